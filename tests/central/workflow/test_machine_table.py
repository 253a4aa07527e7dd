"""Every status × every action: allowed steps succeed, all others are refused with
the allowed next steps, and a refused step changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from central.workflow.errors import IllegalTransition
from central.workflow.machine import PAUSABLE, allowed_actions, apply
from central.workflow.states import Action, Status

from .helpers import cmd, matter_in

A = Action
S = Status
SIDE = {A.supervise, A.pause}  # 督办 on any open matter; 中止 while a clock runs
# The specification, written out by hand (one day after the last step, no extension yet).
EXPECTED: dict[Status, dict[Action, Status]] = {
    S.registered: {A.notify: S.notified},
    S.notified: {A.accept: S.accepted, A.decline: S.declined, A.transfer: S.transferred},
    S.accepted: {A.handle: S.handling, A.extend: S.accepted, A.progress_reply: S.accepted},
    S.handling: {
        A.handle: S.handling,
        A.reply: S.replied,
        A.extend: S.handling,
        A.progress_reply: S.handling,
    },
    S.declined: {A.archive: S.archived},
    S.transferred: {A.archive: S.archived},
    S.replied: {A.review: S.in_review, A.archive: S.archived},
    S.in_review: {A.reply: S.review_replied},
    S.review_replied: {A.re_review: S.in_re_review, A.archive: S.archived},
    S.in_re_review: {A.reply: S.re_review_replied},
    S.re_review_replied: {A.archive: S.archived},
    S.archived: {},
}


def expected(status: Status) -> dict[Action, Status]:
    out = dict(EXPECTED[status])
    if status is not S.archived:
        out[A.supervise] = status
    if status in PAUSABLE:
        out[A.pause] = status
    return out


CASES = [(s, a) for s in Status for a in Action]


def test_the_table_covers_every_status():
    assert set(EXPECTED) == set(Status)
    assert {s for s in Status if s is not S.archived and A.pause in expected(s)} == PAUSABLE


@pytest.mark.parametrize(("status", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_status_action(status: Status, action: Action) -> None:
    m, at = matter_in(status)
    at += timedelta(days=1)
    exp = expected(status)
    assert set(allowed_actions(m, at)) == set(exp)
    if action in exp:
        new = apply(m, cmd(action, at))
        assert new.status is exp[action]
        t = new.history[-1]
        assert (t.action, t.from_status, t.to_status, t.at) == (action, status, exp[action], at)
        assert t.actor == "officer-1" and t.reason and t.documents
        assert new.history[:-1] == m.history
    else:
        with pytest.raises(IllegalTransition) as e:
            apply(m, cmd(action, at))
        assert e.value.status is status and e.value.action is action
        assert set(e.value.allowed) == set(exp)
        assert "可进行" in str(e.value)


PAUSED_CASES = [(s, a) for s in sorted(PAUSABLE) for a in Action]


@pytest.mark.parametrize(
    ("status", "action"), PAUSED_CASES, ids=[f"paused-{s}-{a}" for s, a in PAUSED_CASES]
)
def test_paused_status_action(status: Status, action: Action) -> None:
    """While the clock is stopped only 督办 and 恢复计时 are possible."""
    m, at = matter_in(status, paused=True)
    at += timedelta(days=1)
    if action in (A.supervise, A.resume):
        new = apply(m, cmd(action, at))
        assert new.status is status
        assert (new.paused is None) == (action is A.resume)
    else:
        with pytest.raises(IllegalTransition) as e:
            apply(m, cmd(action, at))
        assert set(e.value.allowed) == {A.supervise, A.resume}
        assert "恢复计时" in str(e.value)


def test_resume_without_pause_is_refused_everywhere():
    for s in Status:
        m, at = matter_in(s)
        with pytest.raises(IllegalTransition):
            apply(m, cmd(A.resume, at))
