"""The console's forms → service arguments (pure), and drand quicknet's round arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.datastructures import FormData

from central.console import hearing_forms as forms
from central.hearings import beacon

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def form(*pairs: tuple[str, str]) -> FormData:
    return FormData(list(pairs))


def quota(feature: str, value: str, lo: str, hi: str) -> list[tuple[str, str]]:
    return [("q_feature", feature), ("q_value", value), ("q_min", lo), ("q_max", hi)]


def test_quicknet_rounds_match_the_published_schedule() -> None:
    # a third-party client's documented values for the same chain
    assert beacon.quicknet_round_at(datetime(2026, 4, 20, tzinfo=UTC)) == 27946612
    assert beacon.quicknet_round_at(datetime(2026, 4, 20, 12, 30, 45, tzinfo=UTC)) == 27961627
    assert beacon.quicknet_time_of(27946612) == datetime(2026, 4, 20, tzinfo=UTC)
    r = beacon.suggest(NOW)
    assert NOW + timedelta(minutes=9) < beacon.quicknet_time_of(r) <= NOW + timedelta(minutes=10)
    assert beacon.value_url(r).endswith(f"/public/{r}")


def test_draw_form_blank_bounds_and_the_randomness_choice() -> None:
    f = form(
        ("panel_size", "5"),
        *quota("category", "lawyer", "1", ""),  # only a minimum: up to the panel size
        *quota("category", "npc_deputy", "", "2"),  # only a maximum: from 0
        *quota("category", "other", "", ""),  # neither: not listed
        *quota("region", "鼓楼", "2", "3"),
        ("source", "server"),
        ("recent_days", ""),
        ("conflict_subjects", "org:某建设公司\n\n  person:p-1  \n"),
    )
    kw = forms.draw(f)
    assert kw["panel_size"] == 5 and kw["hold_seed"] is True and kw["seed_sha256"] is None
    assert kw["features"] == {
        "category": {"lawyer": (1, 5), "npc_deputy": (0, 2)},
        "region": {"鼓楼": (2, 3)},
    }
    assert kw["recent_days"] == 180 and kw["extra_subjects"] == ["org:某建设公司", "person:p-1"]
    assert kw["beacon"] is None

    r = beacon.suggest(NOW)
    ext = form(
        ("panel_size", "1"),
        *quota("category", "lawyer", "1", "1"),
        ("source", "external"),
        ("seed_sha256", "AB" * 32),
        ("use_beacon", "1"),
        ("beacon_source", beacon.QUICKNET),
        ("beacon_round", str(r)),
    )
    kw = forms.draw(ext)
    assert kw["hold_seed"] is False and kw["seed_sha256"] == "ab" * 32
    assert kw["beacon"] == {"source": beacon.QUICKNET, "round": r}


@pytest.mark.parametrize(
    ("pairs", "words"),
    [
        ([("panel_size", "3"), *quota("category", "lawyer", "", "")], "请至少为一个类别或地区"),
        ([("panel_size", "x")], "听证员人数应为整数"),
        (
            [("panel_size", "3"), *quota("category", "lawyer", "一", "")],
            "lawyer 的名额上下限应为整数",
        ),
        (
            [("panel_size", "3"), *quota("category", "lawyer", "1", ""), ("q_feature", "region")],
            "名额表不完整",
        ),
        (
            [("panel_size", "3"), *quota("category", "lawyer", "1", ""), ("source", "external")],
            "zhifang hearings new-seed",
        ),
        (
            [("panel_size", "3"), *quota("category", "lawyer", "1", ""), ("use_beacon", "1")],
            "信标轮次应为整数",
        ),
        ([("panel_size", "300"), *quota("category", "lawyer", "1", "")], "听证员人数不能大于 100"),
    ],
)
def test_draw_form_refusals_say_what_to_fix(pairs: list[tuple[str, str]], words: str) -> None:
    with pytest.raises(forms.FormError) as e:
        forms.draw(form(*pairs))
    assert words in str(e.value)


def test_schedule_form_reads_beijing_time_and_defaults_the_end() -> None:
    f = form(
        ("title", "张某申请监督案"),
        ("mode", "online"),
        ("starts_at", "2026-12-01T09:00"),
        ("meeting_url", "https://meeting.dingtalk.com/j/1"),
    )
    kw = forms.hearing(f, matter_id="m-1")
    assert kw["starts_at"] == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert kw["ends_at"] - kw["starts_at"] == timedelta(hours=2)
    for pairs, words in (
        ([("title", "x"), ("mode", "online")], "开始时间未填写"),
        ([("title", "x"), ("mode", "boat"), ("starts_at", "2026-12-01T09:00")], "听证方式取值无效"),
        ([("title", ""), ("mode", "online"), ("starts_at", "2026-12-01T09:00")], "听证名称未填写"),
        ([("title", "x"), ("mode", "online"), ("starts_at", "明天")], "开始时间格式应为"),
    ):
        with pytest.raises(forms.FormError) as e:
            forms.hearing(form(*pairs), matter_id="m-1")
        assert words in str(e.value)


def test_outcome_conflict_person_and_cancel_forms() -> None:
    kw = forms.outcome(
        form(
            ("record", "听证员发表意见"),
            ("outcome", "维持原处理意见"),
            ("accepts", "no"),
            ("attended", "p-1"),
            ("other_role", "petitioner"),
            ("other_name", "张某"),
            ("other_role", "organ"),
            ("other_name", " "),
        )
    )
    assert kw["petitioner_accepts"] is False and kw["attended"] == ["p-1"]
    assert kw["others"] == [("petitioner", "张某")]
    assert forms.outcome(form(("record", "r"), ("outcome", "o")))["petitioner_accepts"] is None
    assert (
        forms.conflict(form(("kind", "org"), ("value", "某建设公司")))["subject"]
        == "org:某建设公司"
    )
    with pytest.raises(forms.FormError, match="利害关系的对象应为"):
        forms.conflict(form(("kind", "friend"), ("value", "x")))
    with pytest.raises(forms.FormError, match="姓名未填写"):
        forms.person(form(("name", " "), ("category", "lawyer")))
    with pytest.raises(forms.FormError, match="理由至少 2 个字"):
        forms.cancel(form(("reason", "x")))
    with pytest.raises(forms.FormError, match="理由至少 2 个字"):
        forms.abandon(form(("reason", " x ")))
    assert forms.abandon(form(("reason", " 信标轮次选错 "))) == "信标轮次选错"


def test_reveal_form_takes_the_beacon_signature_not_its_value() -> None:
    sig = "AB" * 48
    kw = forms.reveal(form(("seed", ""), ("beacon_signature", f" {sig} ")))
    assert kw == {"seed": None, "beacon_signature": sig}
    assert "beacon_value" not in forms.reveal(form(("beacon_value", "cd" * 32)))
