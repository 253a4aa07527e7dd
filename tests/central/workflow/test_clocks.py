"""Clock arithmetic: month ends, leap days, holidays, 调休 Saturdays and pauses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from central.workflow.calendar import SAMPLE_CN_2026, WEEKENDS_ONLY, load_calendar
from central.workflow.clocks import ClockKind, ClockState, RulesPolicy, clocks
from central.workflow.errors import WindowClosed
from central.workflow.machine import apply, register
from central.workflow.rules import DEFAULT_RULES, ClockRule, Rules, Unit
from central.workflow.states import Action, Matter, PauseKind
from protocol.deadlines import add_months, due_date

from .helpers import SH, cmd

CN = load_calendar(SAMPLE_CN_2026)
D = date.fromisoformat
A = Action


def days(n: int, roll: bool = True) -> ClockRule:
    return ClockRule(limit=n, unit=Unit.calendar_days, roll_to_working_day=roll)


def wdays(n: int) -> ClockRule:
    return ClockRule(limit=n, unit=Unit.working_days)


def months(n: int, roll: bool = False) -> ClockRule:
    return ClockRule(limit=n, unit=Unit.months, roll_to_working_day=roll)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2028-02-29", 12, "2029-02-28"),
        ("2027-11-29", 3, "2028-02-29"),
        ("2027-11-30", 3, "2028-02-29"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-08-31", 1, "2026-09-30"),
    ],
)
def test_add_months_clamps_to_the_month_end(start, n, end):
    assert add_months(D(start), n) == D(end)


@pytest.mark.parametrize(
    ("start", "rule", "cal", "end"),
    [
        ("2026-03-02", days(7), CN, "2026-03-09"),  # the start day is not counted
        ("2026-09-28", days(7), CN, "2026-10-08"),  # ends in 国庆: rolls to the next workday
        ("2026-09-28", days(7, roll=False), CN, "2026-10-05"),
        ("2026-03-02", days(12), WEEKENDS_ONLY, "2026-03-16"),  # Saturday 14th rolls to Monday
        ("2026-09-24", wdays(7), CN, "2026-10-12"),  # 中秋 + 国庆, with the 10-10 调休 Saturday
        ("2026-02-13", wdays(1), CN, "2026-02-14"),  # a 调休 Saturday is a working day
        ("2026-02-12", wdays(7), CN, "2026-02-28"),  # across 春节 to the 02-28 调休 Saturday
        ("2026-12-31", wdays(1), CN, "2027-01-01"),  # beyond the calendar: weekdays only
        ("2028-01-30", days(30), WEEKENDS_ONLY, "2028-02-29"),  # leap day is an ordinary day
        ("2028-02-29", days(30), WEEKENDS_ONLY, "2028-03-30"),
        ("2027-11-29", months(3), WEEKENDS_ONLY, "2028-02-29"),
        ("2026-11-30", months(3, roll=True), CN, "2027-03-01"),  # 2027-02-28 is a Sunday
        ("2026-01-31", months(1, roll=True), CN, "2026-02-28"),  # 调休 Saturday: no roll
    ],
)
def test_due_date(start, rule, cal, end):
    assert due_date(D(start), rule, cal) == D(end)


def test_paused_days_push_the_end():
    skip = frozenset(D("2026-09-10") + timedelta(days=i) for i in range(10))
    assert due_date(D("2026-09-01"), days(60), CN) == D("2026-11-02")  # 10-31 Sat → Mon
    assert due_date(D("2026-09-01"), days(60), CN, skip=skip) == D("2026-11-10")
    assert due_date(D("2026-09-01"), days(60), CN, extra_days=30) == D("2026-11-30")


def test_a_pause_spanning_the_holidays_on_a_working_day_clock():
    # Paused 09-24 → resumed 10-09: days 09-25..10-09 do not count.
    skip = frozenset(D("2026-09-25") + timedelta(days=i) for i in range(15))
    assert due_date(D("2026-09-23"), wdays(7), CN) == D("2026-10-10")
    assert due_date(D("2026-09-23"), wdays(7), CN, skip=skip) == D("2026-10-16")


# --- clocks of a whole matter -------------------------------------------------------


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SH)


def run(*steps: tuple[Action, str, dict[str, object]], policy=None) -> Matter:
    m = register("m-c", cmd(A.register, at(steps[0][1]) if steps else at("2026-03-02")))
    for action, day, kw in steps[1:]:
        m = apply(m, cmd(action, at(day), **kw), *(p for p in [policy] if p))
    return m


def by_kind(m: Matter, now: str, rules: Rules = DEFAULT_RULES) -> dict[ClockKind, object]:
    return {c.kind: c for c in clocks(m, rules, CN, at(now))}


REG = (A.register, "2026-03-02", {})


def test_fresh_matter_clocks_run_and_come_due():
    m = run(REG)
    c = by_kind(m, "2026-03-03")
    assert set(c) == {
        ClockKind.procedural_reply,
        ClockKind.acceptance_decision,
        ClockKind.result_reply,
    }
    pr = c[ClockKind.procedural_reply]
    assert (pr.due_on, pr.state, pr.days_left) == (D("2026-03-09"), ClockState.running, 6)
    assert by_kind(m, "2026-03-07")[ClockKind.procedural_reply].state is ClockState.due_soon
    late = by_kind(m, "2026-03-10")[ClockKind.procedural_reply]
    assert late.state is ClockState.overdue and late.days_left == -1 and late.escalate_to_leader
    assert c[ClockKind.acceptance_decision].due_on == D("2026-03-17")
    assert c[ClockKind.result_reply].due_on == D("2026-06-02")


def test_leader_alert_waits_as_long_as_the_site_says():
    rules = DEFAULT_RULES.model_copy(update={"leader_after_overdue_days": 3})
    m = run(REG)
    assert not by_kind(m, "2026-03-10", rules)[ClockKind.procedural_reply].escalate_to_leader
    assert by_kind(m, "2026-03-12", rules)[ClockKind.procedural_reply].escalate_to_leader


def test_decision_stops_the_acceptance_clocks():
    m = run(REG, (A.notify, "2026-03-02", {}), (A.accept, "2026-03-12", {}))
    c = by_kind(m, "2026-04-01")
    assert c[ClockKind.procedural_reply].state is ClockState.late
    assert c[ClockKind.acceptance_decision].state is ClockState.met
    h = c[ClockKind.handling]
    assert (h.started_on, h.due_on, h.state) == (
        D("2026-03-12"),
        D("2026-05-11"),
        ClockState.running,
    )


def test_fujian_working_day_procedural_reply():
    rules = DEFAULT_RULES.model_copy(update={"procedural_reply": wdays(7)})
    m = run((A.register, "2026-09-24", {}))
    assert by_kind(m, "2026-09-25", rules)[ClockKind.procedural_reply].due_on == D("2026-10-12")


def test_waiting_for_materials_pauses_and_shows_the_due_date_as_if_resumed_today():
    m = run(
        REG,
        (A.notify, "2026-03-02", {}),
        (A.accept, "2026-03-03", {}),
        (A.pause, "2026-03-10", {"reason": "等待补充证据材料"}),
    )
    c = by_kind(m, "2026-05-20")[ClockKind.handling]
    assert c.state is ClockState.paused and c.paused_days == 71
    m = apply(m, cmd(A.resume, at("2026-03-20")))
    c = by_kind(m, "2026-04-20")[ClockKind.handling]
    # 60 days from 03-03 = 05-02 (劳动节) + 10 paused days = 05-12.
    assert (c.state, c.paused_days, c.due_on) == (ClockState.running, 10, D("2026-05-12"))
    assert m.pauses[0].reason == "等待补充证据材料"


def test_extension_adds_its_days_to_handling_only():
    m = run(REG, (A.notify, "2026-03-02", {}), (A.accept, "2026-03-03", {}))
    m = apply(m, cmd(A.extend, at("2026-04-20"), extension_days=30))
    c = by_kind(m, "2026-05-20")
    assert c[ClockKind.handling].due_on == D("2026-06-01")  # 03-03 + 60 + 30 days
    assert c[ClockKind.handling].extension_days == 30
    assert c[ClockKind.acceptance_decision].extension_days == 0


def test_progress_replies_keep_the_result_clock_monthly():
    m = run(REG, (A.notify, "2026-03-02", {}), (A.accept, "2026-03-03", {}))
    assert by_kind(m, "2026-06-03")[ClockKind.result_reply].state is ClockState.overdue
    m = apply(m, cmd(A.progress_reply, at("2026-06-01")))
    c = by_kind(m, "2026-06-03")[ClockKind.result_reply]
    assert (c.due_on, c.state) == (D("2026-07-01"), ClockState.running)
    m = apply(m, cmd(A.progress_reply, at("2026-07-01")))
    # 08-01 is a Saturday: the next reply is due on Monday 08-03.
    assert by_kind(m, "2026-07-20")[ClockKind.result_reply].due_on == D("2026-08-03")


def _to_reply(reply_day: str) -> Matter:
    return run(
        REG,
        (A.notify, "2026-03-02", {}),
        (A.accept, "2026-03-03", {}),
        (A.handle, "2026-03-04", {}),
        (A.reply, reply_day, {}),
    )


def test_review_window_and_decision_clock():
    m = _to_reply("2026-04-01")
    c = by_kind(m, "2026-04-10")
    assert c[ClockKind.handling].state is ClockState.met
    assert c[ClockKind.result_reply].state is ClockState.met
    w = c[ClockKind.review_request]
    assert (w.due_on, w.state) == (D("2026-05-06"), ClockState.window_open)  # 05-01 → 05-06
    assert by_kind(m, "2026-05-07")[ClockKind.review_request].state is ClockState.window_closed
    m = apply(m, cmd(A.review, at("2026-04-20")))
    c = by_kind(m, "2026-05-25")
    assert c[ClockKind.review_request].state is ClockState.used
    assert c[ClockKind.review_decision].due_on == D("2026-05-20")
    assert c[ClockKind.review_decision].state is ClockState.overdue


def test_window_rule_applies_to_the_machine_guard():
    policy = RulesPolicy(DEFAULT_RULES, CN)
    m = _to_reply("2026-04-01")
    # 30 days end on 05-01 (劳动节), so the request may still come on 05-06.
    assert apply(m, cmd(A.review, at("2026-05-06")), policy).status.value == "in_review"
    with pytest.raises(WindowClosed, match="2026-05-06"):
        apply(m, cmd(A.review, at("2026-05-07")), policy)


def test_hearing_time_is_not_counted_for_re_review_only():
    m = _to_reply("2026-04-01")
    for action, day, kw in [
        (A.review, "2026-04-02", {}),
        (A.reply, "2026-04-20", {}),
        (A.re_review, "2026-04-21", {}),
        (A.pause, "2026-04-25", {"pause_kind": PauseKind.hearing}),
        (A.resume, "2026-05-05", {}),
    ]:
        m = apply(m, cmd(action, at(day), **kw))
    c = by_kind(m, "2026-05-06")
    rr = c[ClockKind.re_review_decision]
    # 04-21 + 30 = 05-21, + 10 hearing days = 05-31 (Sunday) → 06-01.
    assert (rr.paused_days, rr.due_on) == (10, D("2026-06-01"))
    assert c[ClockKind.review_decision].paused_days == 0


def test_archived_matter_has_no_running_clock():
    m = run(
        REG,
        (A.notify, "2026-03-02", {}),
        (A.decline, "2026-03-04", {}),
        (A.archive, "2026-03-05", {}),
    )
    states = {c.kind: c.state for c in clocks(m, DEFAULT_RULES, CN, at("2026-12-01"))}
    assert states == {
        ClockKind.procedural_reply: ClockState.met,
        ClockKind.acceptance_decision: ClockState.met,
        ClockKind.result_reply: ClockState.met,
    }


def test_clock_knows_when_the_calendar_does_not_cover_its_years():
    m = run((A.register, "2026-12-20", {}))
    c = by_kind(m, "2026-12-21")
    assert c[ClockKind.procedural_reply].calendar_covered
    assert not c[ClockKind.result_reply].calendar_covered
