"""Shared helpers: a complete command for any action, and a matter in any status."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from central.workflow.machine import apply, register
from central.workflow.states import Action, Command, Matter, PauseKind, Status

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)


def cmd(action: Action, at: datetime, **kw: object) -> Command:
    """A command with every detail any action could need (so only the guard decides)."""
    base: dict[str, object] = {
        "actor": "officer-1",
        "reason": "依据相关规定",
        "documents": ("doc-sha256-aa",),
        "target_organ": "某县人民法院",
        "extension_days": 30,
        "approved_by": "leader-1",
        "notice_document": "notice-1",
        "pause_kind": PauseKind.awaiting_materials,
        "waived": True,
    }
    base.update(kw)
    return Command(action=action, at=at, **base)  # type: ignore[arg-type]


# The shortest route into each status (after register).
ROUTE: dict[Status, tuple[Action, ...]] = {
    Status.registered: (),
    Status.notified: (Action.notify,),
    Status.accepted: (Action.notify, Action.accept),
    Status.declined: (Action.notify, Action.decline),
    Status.transferred: (Action.notify, Action.transfer),
    Status.handling: (Action.notify, Action.accept, Action.handle),
    Status.replied: (Action.notify, Action.accept, Action.handle, Action.reply),
    Status.in_review: (Action.notify, Action.accept, Action.handle, Action.reply, Action.review),
    Status.review_replied: (
        *(Action.notify, Action.accept, Action.handle, Action.reply, Action.review),
        Action.reply,
    ),
    Status.in_re_review: (
        *(Action.notify, Action.accept, Action.handle, Action.reply, Action.review),
        *(Action.reply, Action.re_review),
    ),
    Status.re_review_replied: (
        *(Action.notify, Action.accept, Action.handle, Action.reply, Action.review),
        *(Action.reply, Action.re_review, Action.reply),
    ),
    Status.archived: (Action.notify, Action.decline, Action.archive),
}


def matter_in(status: Status, *, paused: bool = False) -> tuple[Matter, datetime]:
    """A matter in ``status`` (one day per step) and the time of its last step."""
    at = T0
    m = register("m-1", cmd(Action.register, at))
    for a in ROUTE[status]:
        at += timedelta(days=1)
        m = apply(m, cmd(a, at))
    assert m.status is status
    if paused:
        at += timedelta(hours=1)
        m = apply(m, cmd(Action.pause, at))
    return m, at
