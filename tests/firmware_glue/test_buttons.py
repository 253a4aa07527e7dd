"""The rating panel, as a petitioner uses it: press, bounce, press twice."""

from __future__ import annotations

import pytest

from firmware_glue.buttons import Debouncer, OneRatingPolicy
from firmware_glue.fakes import FakeRatingPanel


@pytest.fixture
def panel():
    p = FakeRatingPanel()
    yield p
    p.close()


@pytest.fixture
def given(panel):
    got: list[str] = []
    panel.arm(got.append)
    return got


def test_nothing_is_lit_until_the_panel_is_armed_then_all_three_invite_a_press(panel):
    assert panel.lit() == set()
    panel.arm()
    assert panel.lit() == {"satisfied", "basically_satisfied", "dissatisfied"}


def test_a_clean_press_gives_the_rating_and_lights_only_its_led(panel, given):
    panel.press("basically_satisfied")
    assert given == ["basically_satisfied"]
    assert panel.chosen == "basically_satisfied"
    assert panel.lit() == {"basically_satisfied"}


def test_a_bouncy_press_counts_once(panel, given):
    panel.press("satisfied", chatter=5)  # 5 bounces going down, 5 coming up
    assert given == ["satisfied"]
    assert panel.ignored_presses == 0  # bounce is not a press, not even an ignored one


def test_a_second_press_is_ignored_and_counted(panel, given):
    panel.press("dissatisfied")
    panel.press("satisfied")
    panel.press("dissatisfied", chatter=2)
    assert given == ["dissatisfied"]
    assert panel.ignored_presses == 2
    assert panel.lit() == {"dissatisfied"}


def test_presses_before_the_panel_is_armed_are_ignored(panel):
    panel.press("dissatisfied")
    assert panel.chosen is None and panel.ignored_presses == 1
    got: list[str] = []
    panel.arm(got.append)
    panel.press("satisfied")
    assert got == ["satisfied"]


def test_disarm_turns_the_leds_off_and_rearming_takes_a_new_rating(panel, given):
    panel.press("satisfied")
    panel.disarm()
    assert panel.lit() == set()
    panel.press("dissatisfied")
    assert given == ["satisfied"]
    nxt: list[str] = []
    panel.arm(nxt.append)  # the next reception
    assert panel.chosen is None
    panel.press("dissatisfied")
    assert nxt == ["dissatisfied"]


def test_two_buttons_at_once_the_first_edge_wins(panel, given):
    panel.touch("dissatisfied")
    panel.clock.advance(3)
    panel.touch("satisfied")
    assert given == ["dissatisfied"]
    panel.let_go("dissatisfied")
    panel.let_go("satisfied")


def test_a_glitch_soon_after_a_release_is_not_a_new_press(panel, given):
    panel.edges("satisfied", [(0, True), (120, False), (10, True), (2, False)])
    assert given == ["satisfied"] and panel.ignored_presses == 0


# --- the policies alone, on exact edge timings ------------------------------------


def test_debouncer_timings():
    d = Debouncer(quiet_ms=30)
    assert d.edge(True, 0)  # first touch
    assert not d.edge(False, 1) and not d.edge(True, 2)  # bounce
    assert not d.edge(False, 200) and not d.edge(True, 205)  # release bounce
    assert not d.edge(False, 206)
    assert d.edge(True, 236)  # quiet for exactly 30 ms: a new press


def test_policy_counts_only_debounced_extra_presses():
    p = OneRatingPolicy(quiet_ms=30)
    p.arm()
    assert p.edge("satisfied", True, 0) == "satisfied"
    assert p.edge("satisfied", False, 1) is None
    assert p.edge("satisfied", True, 2) is None  # bounce
    assert p.ignored == 0
    assert p.edge("dissatisfied", True, 100) is None
    assert p.ignored == 1
    assert p.lit() == {"satisfied"}
