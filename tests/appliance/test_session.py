"""A reception, step by step, as the officer and the petitioner do it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from appliance.session import Reception, ReceptionError
from protocol.envelope import Envelope
from protocol.ids import uuid7
from protocol.messages import Body, PersonRef, RiskNote

ZHANG_SAN = PersonRef(name="张三", id_number="110105198503151230")


class ListSink:
    def __init__(self) -> None:
        self.bodies: list[Body] = []

    def append(self, body: Body) -> Envelope:
        self.bodies.append(body)
        # the session keeps only the event id (a correction names the step it corrects)
        return SimpleNamespace(event_id=str(uuid7()))  # type: ignore[return-value]


@pytest.fixture
def sink() -> ListSink:
    return ListSink()


@pytest.fixture
def reception(sink: ListSink) -> Reception:
    t = iter(range(1_700_000_000_000, 1_700_000_100_000, 1000))
    return Reception(
        outbox=sink,
        clock_ms=lambda: next(t),
        new_id=lambda: "0" * 8 + "-0000-4000-8000-" + "0" * 12,
    )


def test_a_whole_reception_writes_its_events_in_order(reception, sink):
    rid = reception.start("officer-1")
    reception.identify(ZHANG_SAN)
    for step in ("register", "notify", "accept"):
        reception.step(step, fields={"说明": step})
    reception.rate("basically_satisfied")
    reception.end()
    types = [b.TYPE for b in sink.bodies]
    assert types == [
        "reception.started", "identity.checked", "workflow.step", "workflow.step",
        "workflow.step", "rating.given", "reception.ended",
    ]  # fmt: skip
    assert all(getattr(b, "reception_id", None) == rid for b in sink.bodies)
    ended = sink.bodies[-1]
    assert ended.events == 7
    assert reception.state == "ended"


def test_rating_before_start_is_refused(reception):
    with pytest.raises(ReceptionError, match="has not started"):
        reception.rate("satisfied")


def test_two_ratings_are_refused(reception, sink):
    reception.start("officer-1")
    reception.rate("dissatisfied")
    with pytest.raises(ReceptionError, match="already has a rating"):
        reception.rate("satisfied")
    assert [b.TYPE for b in sink.bodies].count("rating.given") == 1


def test_ending_twice_is_refused(reception):
    reception.start("officer-1")
    reception.rate("satisfied")
    reception.end()
    with pytest.raises(ReceptionError, match="has ended"):
        reception.end()
    with pytest.raises(ReceptionError, match="has ended"):
        reception.step("register")


def test_ending_without_a_rating_needs_to_be_said(reception, sink):
    reception.start("officer-1")
    with pytest.raises(ReceptionError, match="no rating yet"):
        reception.end()
    reception.end(unrated=True, risk=RiskNote(level="high", reason="扬言自伤"))
    assert sink.bodies[-1].events == 2


def test_starting_twice_and_steps_after_the_rating_are_refused(reception):
    reception.start("officer-1")
    with pytest.raises(ReceptionError, match="already started"):
        reception.start("officer-1")
    reception.rate("satisfied")
    with pytest.raises(ReceptionError, match="after the rating"):
        reception.step("handle")


def test_a_bad_step_name_is_refused_and_writes_nothing(reception, sink):
    reception.start("officer-1")
    with pytest.raises(ValueError, match="step"):
        reception.step("bribe")
    assert len(sink.bodies) == 1


def test_a_correction_names_the_step_and_a_cancel_ends_the_reception(reception, sink):
    reception.start("officer-1")
    env = reception.step("register", fields={"request": "补尝款", "category": "举报"})
    reception.correct(env.event_id, fields={"request": "补偿款", "category": "举报"}, reason="错字")
    fix = sink.bodies[-1]
    assert (fix.TYPE, fix.corrects, fix.step) == ("workflow.corrected", env.event_id, "register")
    assert reception.records[0].fields["request"] == "补偿款"
    with pytest.raises(ReceptionError):
        reception.correct("f" * 36, fields={}, reason="x")
    reception.cancel("误开")
    assert sink.bodies[-1].TYPE == "reception.cancelled" and sink.bodies[-1].events == 4
    assert reception.state == "ended"
    with pytest.raises(ReceptionError):
        reception.step("notify")


def test_a_rated_reception_cannot_be_cancelled(reception):
    reception.start("officer-1")
    reception.rate("satisfied")
    with pytest.raises(ReceptionError):
        reception.cancel("late")
