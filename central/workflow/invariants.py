"""What must hold for any matter, however it was reached.

Used by the property tests and when a matter is loaded from the database: a stored
history that breaks one of these is reported, never silently used.
"""

from __future__ import annotations

from .machine import EXTENDABLE, FORWARD, PAUSABLE, PROGRESS, MachinePolicy
from .states import Action, Matter, PauseKind, Status

AFTER_REPLY = frozenset(
    {
        Status.replied,
        Status.in_review,
        Status.review_replied,
        Status.in_re_review,
        Status.re_review_replied,
    }
)


def _structurally_allowed(status: Status, action: Action) -> bool:
    if action in FORWARD[status]:
        return True
    if status is Status.archived:
        return False
    return (
        action in (Action.supervise, Action.resume)
        or (action is Action.pause and status in PAUSABLE)
        or (action is Action.extend and status in EXTENDABLE)
        or (action is Action.progress_reply and status in PROGRESS)
    )


def violations(m: Matter, policy: MachinePolicy) -> list[str]:
    """Every broken invariant, in words; empty for a valid matter."""
    out: list[str] = []
    h = m.history
    if not h or h[0].action is not Action.register or h[0].from_status is not None:
        return ["history does not start with register"]
    if h[0].to_status is not Status.registered:
        out.append("register must lead to registered")
    for i, t in enumerate(h):
        if t.seq != i + 1:
            out.append(f"seq {t.seq} at position {i + 1}")
        if t.at.tzinfo is None:
            out.append(f"step {t.seq} has a naive time")
        if i == 0:
            continue
        prev = h[i - 1]
        if t.at < prev.at:
            out.append(f"step {t.seq} is dated before step {prev.seq}")
        if t.from_status is not prev.to_status:
            out.append(f"step {t.seq} starts from {t.from_status}, not {prev.to_status}")
        if t.from_status is None or not _structurally_allowed(t.from_status, t.action):
            out.append(f"step {t.seq}: {t.action} is never allowed from {t.from_status}")
        elif t.to_status is not FORWARD[t.from_status].get(t.action, t.from_status):
            out.append(f"step {t.seq}: {t.action} led to {t.to_status}")
    if m.status is not h[-1].to_status:
        out.append("status differs from the last step")
    if m.status is Status.archived and h[-1].action is not Action.archive:
        out.append("archived without an archive step last")

    pauses = [t for t in h if t.action is Action.pause]
    resumes = [t for t in h if t.action is Action.resume]
    if len(m.pauses) != len(pauses) or len(resumes) not in (len(pauses), len(pauses) - 1):
        out.append("pauses do not match the pause/resume steps")
    for i, p in enumerate(m.pauses):
        if p.ended_at is None and i != len(m.pauses) - 1:
            out.append("an earlier pause is still open")
        if p.ended_at is not None and p.ended_at < p.started_at:
            out.append("a pause ends before it starts")
        if i and (m.pauses[i - 1].ended_at or p.started_at) > p.started_at:
            out.append("pauses overlap")
    if m.paused is not None and m.status not in PAUSABLE:
        out.append(f"paused while {m.status}")
    for t in pauses:
        if dict(t.details).get("pause_kind") == PauseKind.hearing and (
            t.from_status is not Status.in_re_review
        ):
            out.append("a hearing pause outside 复核")

    if len(m.extensions) > policy.max_extensions:
        out.append("too many extensions")
    if any(not 1 <= e.days <= policy.max_extension_days for e in m.extensions):
        out.append("an extension beyond the maximum")
    replies = [t.at for t in h if t.action is Action.reply]
    if m.reply_at != (replies[-1] if replies else None):
        out.append("reply_at is not the last written reply")
    if (m.status in AFTER_REPLY) != (m.reply_at is not None) and m.status is not Status.archived:
        out.append("a written reply is missing or unexpected")
    if m.supervisions != sum(t.action is Action.supervise for t in h):
        out.append("supervision count differs from the history")
    return out
