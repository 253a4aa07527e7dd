"""The case workflow as a pure state machine.

登记 → 告知 → 受理 / 不予受理 / 转办 → 办理 → 答复 → 复查 → 复核 → 立卷归档, with 督办
openable on any open matter, and the clock bookkeeping steps (延期, 中止/恢复计时,
过程答复). ``apply`` returns a new ``Matter`` whose last history entry is the
transition record; it raises before building anything, so a refused step changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NoReturn, Protocol
from zoneinfo import ZoneInfo

from .errors import ClockError, IllegalTransition, InvalidStep, WindowClosed
from .states import (
    ACTION_ZH,
    STATUS_ZH,
    Action,
    Command,
    Extension,
    Matter,
    Pause,
    PauseKind,
    Status,
    Transition,
)


class Window(StrEnum):
    review = "review"  # 复查申请: from the written reply
    re_review = "re_review"  # 复核申请: from the 复查意见


class MachinePolicy(Protocol):
    """What the machine needs to know from the site's rules (see ``clocks.RulesPolicy``)."""

    @property
    def max_extension_days(self) -> int: ...

    @property
    def max_extensions(self) -> int: ...

    def local_date(self, at: datetime) -> date: ...

    def window_last_day(self, window: Window, opened_at: datetime) -> date | None:
        """Last day a request may come; ``None``: not checked (replaying the record)."""
        ...


SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class SimplePolicy:
    """Calendar-day windows in one time zone; the defaults of DESIGN.md."""

    tz: ZoneInfo = SHANGHAI
    window_days: int = 30
    max_extension_days: int = 30
    max_extensions: int = 1

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def window_last_day(self, window: Window, opened_at: datetime) -> date:
        return self.local_date(opened_at) + timedelta(days=self.window_days)


DEFAULT_POLICY = SimplePolicy()


@dataclass(frozen=True, slots=True)
class RecordPolicy:
    """For replaying stored history: what was checked when it happened is not
    re-judged by today's rules (windows unchecked, extensions as recorded)."""

    max_extension_days: int = 3_650
    max_extensions: int = 1_000
    tz: ZoneInfo = SHANGHAI

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def window_last_day(self, window: Window, opened_at: datetime) -> date | None:
        return None


RECORD_POLICY = RecordPolicy()

# Steps that move the matter along the procedure.
FORWARD: dict[Status, dict[Action, Status]] = {
    Status.registered: {Action.notify: Status.notified},
    Status.notified: {
        Action.accept: Status.accepted,
        Action.decline: Status.declined,
        Action.transfer: Status.transferred,
    },
    Status.accepted: {Action.handle: Status.handling},
    Status.handling: {Action.handle: Status.handling, Action.reply: Status.replied},
    Status.declined: {Action.archive: Status.archived},
    Status.transferred: {Action.archive: Status.archived},
    Status.replied: {Action.review: Status.in_review, Action.archive: Status.archived},
    Status.in_review: {Action.reply: Status.review_replied},
    Status.review_replied: {
        Action.re_review: Status.in_re_review,
        Action.archive: Status.archived,
    },
    Status.in_re_review: {Action.reply: Status.re_review_replied},
    Status.re_review_replied: {Action.archive: Status.archived},
    Status.archived: {},
}

# Clocks run (and so can be stopped) only while the organ owes a decision.
PAUSABLE = frozenset(
    {
        Status.registered,
        Status.notified,
        Status.accepted,
        Status.handling,
        Status.in_review,
        Status.in_re_review,
    }
)
EXTENDABLE = frozenset({Status.accepted, Status.handling})
PROGRESS = frozenset({Status.accepted, Status.handling})
# After these, the petitioner has a request window; the status the window belongs to.
WINDOW_AFTER: dict[Status, Window] = {
    Status.replied: Window.review,
    Status.review_replied: Window.re_review,
}


def _window_open(m: Matter, at: datetime, policy: MachinePolicy) -> bool | None:
    """Whether the petitioner's request window is open; ``None`` when not checked."""
    assert m.reply_at is not None  # set by every reply
    last = policy.window_last_day(WINDOW_AFTER[m.status], m.reply_at)
    return None if last is None else policy.local_date(at) <= last


def allowed_actions(
    m: Matter, at: datetime, policy: MachinePolicy = DEFAULT_POLICY
) -> tuple[Action, ...]:
    """The actions that would be accepted at ``at`` (given complete details)."""
    if not m.is_open:
        return ()
    if m.paused is not None:
        return (Action.supervise, Action.resume)
    ok: set[Action] = set(FORWARD[m.status]) | {Action.supervise}
    if m.status in WINDOW_AFTER and _window_open(m, at, policy) is False:
        ok.discard(Action.review if m.status is Status.replied else Action.re_review)
    if m.status in PAUSABLE:
        ok.add(Action.pause)
    if m.status in EXTENDABLE and len(m.extensions) < policy.max_extensions:
        ok.add(Action.extend)
    if m.status in PROGRESS:
        ok.add(Action.progress_reply)
    return tuple(a for a in Action if a in ok)


def _require(cmd: Command, name: str, value: object, what: str) -> None:
    if value is None or (isinstance(value, str | tuple) and not value):
        raise InvalidStep(
            f"「{ACTION_ZH[cmd.action]}」需要填写{what}", action=cmd.action, field=name
        )


def _check_details(cmd: Command, policy: MachinePolicy) -> None:
    a = cmd.action
    _require(cmd, "actor", cmd.actor.strip(), "经办人")
    if a is Action.decline:
        _require(cmd, "reason", cmd.reason.strip(), "不予受理的理由")
    elif a is Action.transfer:
        _require(cmd, "target_organ", (cmd.target_organ or "").strip(), "有权处理的机关")
    elif a is Action.reply:
        _require(cmd, "documents", cmd.documents, "书面答复文书")
    elif a in (Action.review, Action.re_review):
        _require(cmd, "reason", cmd.reason.strip(), "申请理由")
    elif a is Action.pause:
        _require(cmd, "pause_kind", cmd.pause_kind, "中止原因类别")
        _require(cmd, "reason", cmd.reason.strip(), "中止计时的理由")
    elif a is Action.extend:
        _require(cmd, "reason", cmd.reason.strip(), "延期理由")
        _require(cmd, "approved_by", (cmd.approved_by or "").strip(), "批准人")
        _require(cmd, "notice_document", (cmd.notice_document or "").strip(), "延期告知书")
        _require(cmd, "extension_days", cmd.extension_days, "延长天数")
        days = cmd.extension_days or 0
        if not 1 <= days <= policy.max_extension_days:
            raise InvalidStep(
                f"延长天数须在 1 至 {policy.max_extension_days} 天之间（收到 {days}）",
                action=a,
                field="extension_days",
            )
    elif a is Action.archive and cmd.waived:
        _require(cmd, "reason", cmd.reason.strip(), "信访人放弃申请的说明")


def _refuse(m: Matter, cmd: Command, allowed: tuple[Action, ...], why: str = "") -> NoReturn:
    msg = f"「{STATUS_ZH[m.status]}」状态下不能「{ACTION_ZH[cmd.action]}」"
    if m.paused is not None and cmd.action is not Action.resume:
        msg += "（计时已中止，请先恢复计时）"
    if why:
        msg += f"：{why}"
    nxt = "、".join(ACTION_ZH[x] for x in allowed) or "无（事项已归档）"
    raise IllegalTransition(
        f"{msg}。可进行：{nxt}", status=m.status, action=cmd.action, allowed=allowed
    )


def _check_time(at: datetime, after: datetime | None) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ClockError("时间必须带时区")
    if after is not None and at < after:
        raise ClockError(f"步骤时间 {at.isoformat()} 早于上一步 {after.isoformat()}")


def _details(cmd: Command) -> tuple[tuple[str, str], ...]:
    d: list[tuple[str, str]] = []
    if cmd.target_organ:
        d.append(("target_organ", cmd.target_organ))
    if cmd.extension_days is not None:
        d.append(("extension_days", str(cmd.extension_days)))
    if cmd.approved_by:
        d.append(("approved_by", cmd.approved_by))
    if cmd.notice_document:
        d.append(("notice_document", cmd.notice_document))
    if cmd.pause_kind is not None:
        d.append(("pause_kind", cmd.pause_kind.value))
    if cmd.waived:
        d.append(("waived", "1"))
    return tuple(d)


def _record(cmd: Command, seq: int, frm: Status | None, to: Status) -> Transition:
    return Transition(
        seq=seq,
        action=cmd.action,
        from_status=frm,
        to_status=to,
        actor=cmd.actor.strip(),
        at=cmd.at,
        reason=cmd.reason.strip(),
        documents=cmd.documents,
        details=_details(cmd),
    )


def register(matter_id: str, cmd: Command) -> Matter:
    """登记: the first step, which creates the matter."""
    if cmd.action is not Action.register:
        raise InvalidStep("事项须先登记", action=cmd.action, field="action")
    _check_time(cmd.at, None)
    _require(cmd, "actor", cmd.actor.strip(), "经办人")
    t = _record(cmd, 1, None, Status.registered)
    return Matter(id=matter_id, status=Status.registered, history=(t,))


def apply(m: Matter, cmd: Command, policy: MachinePolicy = DEFAULT_POLICY) -> Matter:
    """Apply one step; return the new matter or raise (and change nothing)."""
    _check_time(cmd.at, m.last_at)
    allowed = allowed_actions(m, cmd.at, policy)
    a = cmd.action
    if a not in allowed:
        if m.status in WINDOW_AFTER and a in FORWARD[m.status] and not m.paused:
            last = policy.window_last_day(WINDOW_AFTER[m.status], m.reply_at or cmd.at)
            raise WindowClosed(
                f"「{ACTION_ZH[a]}」申请期限已于 {last} 届满",
                status=m.status,
                action=a,
                allowed=allowed,
            )
        if a is Action.extend and m.status in EXTENDABLE and not m.paused:
            _refuse(m, cmd, allowed, f"只能延期 {policy.max_extensions} 次")
        _refuse(m, cmd, allowed)
    _check_details(cmd, policy)
    hearing = a is Action.pause and cmd.pause_kind is PauseKind.hearing
    if hearing and m.status is not Status.in_re_review:
        _refuse(m, cmd, allowed, "听证时间只在复核期间不计入期限")
    early = a is Action.archive and m.status in WINDOW_AFTER and not cmd.waived
    if early and _window_open(m, cmd.at, policy) is True:
        _refuse(m, cmd, allowed, "申请期限尚未届满，须信访人明确放弃（waived）")

    to = FORWARD[m.status].get(a, m.status)
    t = _record(cmd, len(m.history) + 1, m.status, to)
    new = replace(m, status=to, history=(*m.history, t))
    if a is Action.reply:
        new = replace(new, reply_at=cmd.at)
    elif a is Action.supervise:
        new = replace(new, supervisions=m.supervisions + 1)
    elif a is Action.progress_reply:
        new = replace(new, progress_replies=(*m.progress_replies, cmd.at))
    elif a is Action.pause:
        assert cmd.pause_kind is not None
        p = Pause(kind=cmd.pause_kind, reason=cmd.reason.strip(), started_at=cmd.at)
        new = replace(new, pauses=(*m.pauses, p))
    elif a is Action.resume:
        assert m.paused is not None
        new = replace(new, pauses=(*m.pauses[:-1], replace(m.paused, ended_at=cmd.at)))
    elif a is Action.extend:
        assert cmd.extension_days and cmd.approved_by and cmd.notice_document
        e = Extension(
            days=cmd.extension_days,
            reason=cmd.reason.strip(),
            approved_by=cmd.approved_by.strip(),
            notice_document=cmd.notice_document.strip(),
            at=cmd.at,
        )
        new = replace(new, extensions=(*m.extensions, e))
    return new


def command_of(t: Transition) -> Command:
    """The command that produced a recorded transition (to replay stored history)."""
    d = dict(t.details)
    return Command(
        action=t.action,
        actor=t.actor,
        at=t.at,
        reason=t.reason,
        documents=t.documents,
        target_organ=d.get("target_organ"),
        extension_days=int(d["extension_days"]) if "extension_days" in d else None,
        approved_by=d.get("approved_by"),
        notice_document=d.get("notice_document"),
        pause_kind=PauseKind(d["pause_kind"]) if "pause_kind" in d else None,
        waived=d.get("waived") == "1",
    )


def replay(
    matter_id: str, history: tuple[Transition, ...], policy: MachinePolicy = DEFAULT_POLICY
) -> Matter:
    """Rebuild a matter from its stored history, re-checking every step."""
    if not history:
        raise InvalidStep("事项没有登记记录", action=Action.register, field="history")
    m = register(matter_id, command_of(history[0]))
    for t in history[1:]:
        m = apply(m, command_of(t), policy)
    return m
