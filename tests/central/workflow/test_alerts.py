"""Due-soon alerts go to the officer; overdue ones to the officer and then the leader."""

from __future__ import annotations

from datetime import datetime

from central.workflow.alerts import Recipient, alerts
from central.workflow.calendar import WEEKENDS_ONLY
from central.workflow.clocks import ClockKind, ClockState, clocks
from central.workflow.machine import apply, register
from central.workflow.rules import DEFAULT_RULES
from central.workflow.states import Action

from .helpers import SH, cmd


def _matter():
    m = register("m-a", cmd(Action.register, datetime(2026, 3, 2, 9, tzinfo=SH)))
    return apply(m, cmd(Action.notify, datetime(2026, 3, 2, 10, tzinfo=SH)))


def test_due_soon_goes_to_the_officer_only():
    now = datetime(2026, 3, 8, 9, tzinfo=SH)
    got = alerts("m-a", clocks(_matter(), DEFAULT_RULES, WEEKENDS_ONLY, now))
    assert [(a.clock, a.state, a.recipients) for a in got] == [
        (ClockKind.procedural_reply, ClockState.due_soon, (Recipient.officer,))
    ]
    assert "将于 2026-03-09 到期" in got[0].message


def test_overdue_reaches_the_leader_after_the_configured_days():
    rules = DEFAULT_RULES.model_copy(update={"leader_after_overdue_days": 2})
    first = alerts("m-a", clocks(_matter(), rules, WEEKENDS_ONLY, datetime(2026, 3, 10, tzinfo=SH)))
    pr = next(a for a in first if a.clock is ClockKind.procedural_reply)
    assert pr.recipients == (Recipient.officer,) and "已超期 1 天" in pr.message
    later = alerts("m-a", clocks(_matter(), rules, WEEKENDS_ONLY, datetime(2026, 3, 12, tzinfo=SH)))
    pr2 = next(a for a in later if a.clock is ClockKind.procedural_reply)
    assert pr2.recipients == (Recipient.officer, Recipient.leader)
    # The sender de-duplicates on the key: the escalation is a new alert, a repeat is not.
    assert pr.key != pr2.key
    again = alerts("m-a", clocks(_matter(), rules, WEEKENDS_ONLY, datetime(2026, 3, 13, tzinfo=SH)))
    assert next(a for a in again if a.clock is ClockKind.procedural_reply).key == pr2.key


def test_windows_never_alert():
    m = _matter()
    for a, h in [(Action.accept, 11), (Action.handle, 12), (Action.reply, 13)]:
        m = apply(m, cmd(a, datetime(2026, 3, 2, h, tzinfo=SH)))
    got = alerts("m-a", clocks(m, DEFAULT_RULES, WEEKENDS_ONLY, datetime(2026, 4, 1, tzinfo=SH)))
    assert got == ()
