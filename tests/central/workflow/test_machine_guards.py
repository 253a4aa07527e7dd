"""Guards: request windows, extension limits, required details, time order, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from central.workflow.errors import (
    ClockError,
    IllegalTransition,
    InvalidStep,
    WindowClosed,
    WorkflowError,
)
from central.workflow.invariants import violations
from central.workflow.machine import DEFAULT_POLICY, SimplePolicy, apply, register, replay
from central.workflow.states import Action, PauseKind, Status

from .helpers import SH, cmd, matter_in

A = Action


def test_review_on_the_30th_day_after_the_reply_is_in_time():
    m, replied_at = matter_in(Status.replied)
    last = replied_at.replace(hour=23, minute=59) + timedelta(days=30)
    assert apply(m, cmd(A.review, last)).status is Status.in_review


def test_review_on_the_31st_day_is_refused_with_the_last_day():
    m, replied_at = matter_in(Status.replied)
    late = replied_at.replace(hour=0, minute=1) + timedelta(days=31)
    with pytest.raises(WindowClosed) as e:
        apply(m, cmd(A.review, late))
    assert (replied_at.date() + timedelta(days=30)).isoformat() in str(e.value)
    assert set(e.value.allowed) == {A.archive, A.supervise}
    assert isinstance(e.value, IllegalTransition) and isinstance(e.value, ValueError)


def test_re_review_window_counts_from_the_review_opinion():
    m, at = matter_in(Status.review_replied)
    with pytest.raises(WindowClosed):
        apply(m, cmd(A.re_review, at + timedelta(days=31)))
    assert apply(m, cmd(A.re_review, at + timedelta(days=30))).status is Status.in_re_review


def test_window_uses_the_local_date():
    # The 30 days count in Beijing dates, whatever zone the request time is written in.
    m, _ = matter_in(Status.handling)
    m = apply(m, cmd(A.reply, datetime(2026, 6, 1, 23, 30, tzinfo=SH)))
    assert apply(m, cmd(A.review, datetime(2026, 7, 1, 15, 59, tzinfo=UTC))).status is (
        Status.in_review
    )
    with pytest.raises(WindowClosed):  # 16:01 UTC is already 07-02 in Beijing
        apply(m, cmd(A.review, datetime(2026, 7, 1, 16, 1, tzinfo=UTC)))


def test_archive_inside_the_window_needs_an_express_waiver():
    m, at = matter_in(Status.replied)
    with pytest.raises(IllegalTransition, match="放弃"):
        apply(m, cmd(A.archive, at + timedelta(days=3), waived=False))
    with pytest.raises(InvalidStep) as e:
        apply(m, cmd(A.archive, at + timedelta(days=3), reason=" "))
    assert e.value.field == "reason"
    done = apply(m, cmd(A.archive, at + timedelta(days=3)))
    assert done.status is Status.archived and dict(done.history[-1].details)["waived"] == "1"
    late = apply(m, cmd(A.archive, at + timedelta(days=31), waived=False))
    assert late.status is Status.archived


def test_one_extension_of_at_most_30_days_with_approval_and_notice():
    m, at = matter_in(Status.handling)
    with pytest.raises(InvalidStep) as e:
        apply(m, cmd(A.extend, at, extension_days=31))
    assert e.value.field == "extension_days"
    with pytest.raises(InvalidStep):
        apply(m, cmd(A.extend, at, extension_days=0))
    for missing in ("approved_by", "notice_document", "reason"):
        with pytest.raises(InvalidStep) as e:
            apply(m, cmd(A.extend, at, **{missing: ""}))
        assert e.value.field == missing
    m = apply(m, cmd(A.extend, at, extension_days=20))
    assert m.extensions[0].days == 20 and m.extensions[0].approved_by == "leader-1"
    with pytest.raises(IllegalTransition, match="只能延期 1 次") as e2:
        apply(m, cmd(A.extend, at, extension_days=5))
    assert A.extend not in e2.value.allowed


def test_a_site_may_allow_two_shorter_extensions():
    policy = SimplePolicy(max_extension_days=15, max_extensions=2)
    m, at = matter_in(Status.accepted)
    m = apply(m, cmd(A.extend, at, extension_days=15), policy)
    m = apply(m, cmd(A.extend, at, extension_days=15), policy)
    with pytest.raises(IllegalTransition):
        apply(m, cmd(A.extend, at, extension_days=1), policy)


@pytest.mark.parametrize(
    ("status", "action", "field"),
    [
        (Status.notified, A.decline, "reason"),
        (Status.notified, A.transfer, "target_organ"),
        (Status.handling, A.reply, "documents"),
        (Status.replied, A.review, "reason"),
        (Status.review_replied, A.re_review, "reason"),
        (Status.handling, A.pause, "reason"),
        (Status.handling, A.pause, "pause_kind"),
        (Status.registered, A.notify, "actor"),
    ],
)
def test_required_details(status, action, field):
    m, at = matter_in(status)
    empty = {"documents": (), "pause_kind": None}.get(field, "  ")
    with pytest.raises(InvalidStep) as e:
        apply(m, cmd(action, at, **{field: empty}))
    assert e.value.field == field and e.value.action is action
    assert "需要填写" in str(e.value)


def test_hearing_time_is_only_a_re_review_pause():
    m, at = matter_in(Status.in_review)
    with pytest.raises(IllegalTransition, match="听证"):
        apply(m, cmd(A.pause, at, pause_kind=PauseKind.hearing))
    m, at = matter_in(Status.in_re_review)
    m = apply(m, cmd(A.pause, at, pause_kind=PauseKind.hearing))
    assert m.paused is not None and m.paused.kind is PauseKind.hearing


def test_steps_cannot_go_back_in_time_or_lack_a_zone():
    m, at = matter_in(Status.notified)
    with pytest.raises(ClockError):
        apply(m, cmd(A.accept, at - timedelta(seconds=1)))
    with pytest.raises(ClockError):
        apply(m, cmd(A.accept, at.replace(tzinfo=None) + timedelta(days=1)))
    with pytest.raises(ClockError):
        register("x", cmd(A.register, datetime(2026, 1, 1)))
    assert issubclass(ClockError, WorkflowError)


def test_register_only_creates():
    with pytest.raises(InvalidStep):
        register("x", cmd(A.notify, datetime(2026, 1, 1, tzinfo=SH)))


def test_replay_rebuilds_the_same_matter():
    m, at = matter_in(Status.in_re_review, paused=False)
    m = apply(m, cmd(A.pause, at, pause_kind=PauseKind.hearing))
    m = apply(m, cmd(A.resume, at + timedelta(days=2)))
    m = apply(m, cmd(A.supervise, at + timedelta(days=3)))
    again = replay(m.id, m.history)
    assert again == m
    assert violations(again, DEFAULT_POLICY) == []


def test_replay_refuses_a_tampered_history():
    m, _ = matter_in(Status.handling)
    bad = (m.history[0], *m.history[2:])  # 告知 removed
    with pytest.raises(IllegalTransition):
        replay(m.id, bad)
    with pytest.raises(InvalidStep):
        replay(m.id, ())


def test_a_refused_step_leaves_the_matter_as_it_was():
    m, at = matter_in(Status.accepted)
    before = (m.status, m.history, m.extensions)
    with pytest.raises(WorkflowError):
        apply(m, cmd(A.extend, at, extension_days=99))
    assert (m.status, m.history, m.extensions) == before
