"""Statutory clocks as pure functions of (matter history, rules, calendar, now).

Day counting (``due_date``, ``add_months``) lives in ``protocol.deadlines``, so the box
shows the dates computed here. A pause stops the clock from the day
after it starts up to and including the day it ends, so each paused day moves the
due date by one counted day. Months keep the day of the month, clamped to the month's
end (31 January + 1 month = 28/29 February).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from protocol.deadlines import CLOCK_NAMES, due_date

from .calendar import HolidayCalendar
from .machine import Window
from .rules import ClockRule, Rules
from .states import Action, Matter, Pause, PauseKind, Status, Transition


def paused_dates(
    pauses: Iterable[Pause], local: _LocalDate, now: datetime, kinds: frozenset[PauseKind]
) -> frozenset[date]:
    """Dates not counted: (pause day, resume day] for each pause of the given kinds."""
    out: set[date] = set()
    for p in pauses:
        if p.kind not in kinds:
            continue
        first, last = local(p.started_at), local(p.ended_at or now)
        out.update(first + timedelta(days=i) for i in range(1, (last - first).days + 1))
    return frozenset(out)


class _LocalDate:
    def __init__(self, rules: Rules) -> None:
        self.tz = rules.tz

    def __call__(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()


class ClockKind(StrEnum):
    procedural_reply = "procedural_reply"
    acceptance_decision = "acceptance_decision"
    result_reply = "result_reply"
    handling = "handling"
    review_request = "review_request"  # the petitioner's window
    review_decision = "review_decision"
    re_review_request = "re_review_request"  # the petitioner's window
    re_review_decision = "re_review_decision"


class ClockState(StrEnum):
    running = "running"  # 计时中
    due_soon = "due_soon"  # 即将到期
    overdue = "overdue"  # 已超期
    paused = "paused"  # 中止计时 (due date shown as if resumed today)
    met = "met"  # 按期完成
    late = "late"  # 超期完成
    window_open = "window_open"  # 申请期限内
    window_closed = "window_closed"  # 申请期限届满 / 已不再适用
    used = "used"  # 信访人已在期限内申请


WINDOWS = frozenset({ClockKind.review_request, ClockKind.re_review_request})
_MATERIALS = frozenset({PauseKind.awaiting_materials})  # what pauses most clocks


@dataclass(frozen=True, slots=True)
class Clock:
    kind: ClockKind
    label: str
    started_on: date
    due_on: date
    state: ClockState
    days_left: int  # calendar days from today to the due date (negative when overdue)
    paused_days: int
    extension_days: int
    completed_at: datetime | None
    calendar_covered: bool  # False: the holiday calendar lacks a year this clock spans
    escalate_to_leader: bool


def _first(h: tuple[Transition, ...], actions: set[Action], after: int = 0) -> Transition | None:
    return next((t for t in h[after:] if t.action in actions), None)


def _reply_from(h: tuple[Transition, ...], status: Status) -> Transition | None:
    return next((t for t in h if t.action is Action.reply and t.from_status is status), None)


def clocks(matter: Matter, rules: Rules, cal: HolidayCalendar, now: datetime) -> tuple[Clock, ...]:
    """Every clock the matter has had so far, in procedural order."""
    c = _Counter(matter, rules, cal, now)
    decided = _first(matter.history, {Action.accept, Action.decline, Action.transfer})
    first_reply = _reply_from(matter.history, Status.handling)
    return (
        *_decision_clocks(c, decided),
        _result_clock(c, decided, first_reply),
        *_handling_clock(c, decided, first_reply),
        *_review_clocks(c, first_reply),
    )


class _Counter:
    """Counts one clock of a matter: its due date over the calendar, less the paused
    days, and its state today."""

    def __init__(self, matter: Matter, rules: Rules, cal: HolidayCalendar, now: datetime):
        self.matter, self.rules, self.cal, self.now = matter, rules, cal, now
        self.local = _LocalDate(rules)
        self.today = self.local(now)

    def clock(
        self,
        kind: ClockKind,
        rule: ClockRule,
        start: datetime,
        stop: datetime | None,
        *,
        kinds: frozenset[PauseKind] = _MATERIALS,
        extra: int = 0,
        floor: date | None = None,
    ) -> Clock:
        matter, local, today, cal = self.matter, self.local, self.today, self.cal
        end = stop or self.now
        pauses = [p for p in matter.pauses if p.started_at >= start and p.started_at <= end]
        skip = paused_dates(pauses, local, end, kinds)
        s = local(start)
        due = due_date(s, rule, cal, skip=skip, extra_days=extra)
        if floor is not None:
            due = max(due, floor)
        open_pause = stop is None and matter.paused is not None and matter.paused.kind in kinds
        state = _state(kind, rule, due, today, stop, local, matter, open_pause)
        covered = all(cal.covers(date(y, 1, 1)) for y in range(s.year, due.year + 1))
        over = (today - due).days
        return Clock(
            kind=kind,
            label=rule.label or CLOCK_NAMES.get(kind.value, kind.value),
            started_on=s,
            due_on=due,
            state=state,
            days_left=(due - today).days,
            paused_days=len(skip),
            extension_days=extra,
            completed_at=stop,
            calendar_covered=covered,
            escalate_to_leader=state is ClockState.overdue
            and over >= self.rules.leader_after_overdue_days,
        )


def _decision_clocks(c: _Counter, decided: Transition | None) -> tuple[Clock, Clock]:
    """From 登记 to the decision to accept (or not): the procedural reply and the
    acceptance decision."""
    reg, rules = c.matter.history[0].at, c.rules
    stop = decided.at if decided else None
    return (
        c.clock(ClockKind.procedural_reply, rules.procedural_reply, reg, stop),
        c.clock(ClockKind.acceptance_decision, rules.acceptance_decision, reg, stop),
    )


def _result_clock(c: _Counter, decided: Transition | None, first_reply: Transition | None) -> Clock:
    """From 登记 to the first reply (or the decision not to accept)."""
    not_accepted = decided if decided and decided.action is not Action.accept else None
    closes_result = first_reply or not_accepted
    stop = closes_result.at if closes_result else None
    progress = [p for p in c.matter.progress_replies if stop is None or p <= stop]
    # A progress reply answers for one more period: the next reply is due a period later.
    nxt = due_date(c.local(progress[-1]), c.rules.progress_reply, c.cal) if progress else None
    reg = c.matter.history[0].at
    return c.clock(ClockKind.result_reply, c.rules.result_reply, reg, stop, floor=nxt)


def _handling_clock(
    c: _Counter, decided: Transition | None, first_reply: Transition | None
) -> tuple[Clock, ...]:
    """From acceptance to the first reply, lengthened by the extensions granted."""
    if decided is None or decided.action is not Action.accept:
        return ()
    ext = sum(e.days for e in c.matter.extensions)
    stop = first_reply.at if first_reply else None
    return (c.clock(ClockKind.handling, c.rules.handling, decided.at, stop, extra=ext),)


def _review_clocks(c: _Counter, first_reply: Transition | None) -> list[Clock]:
    """After each reply, the petitioner's window to ask for 复查 (then 复核), and once
    asked, the decision's clock."""
    h, rules = c.matter.history, c.rules
    stages = (
        (first_reply, Action.review, ClockKind.review_request, rules.review_request),
        (
            _reply_from(h, Status.in_review),
            Action.re_review,
            ClockKind.re_review_request,
            rules.re_review_request,
        ),
    )
    out: list[Clock] = []
    for reply, request_action, window_kind, window_rule in stages:
        if reply is None:
            break
        request = _first(h, {request_action}, after=reply.seq)
        stop = request.at if request else None
        out.append(c.clock(window_kind, window_rule, reply.at, stop, kinds=frozenset()))
        if request is None:
            break
        if request_action is Action.review:
            done = _reply_from(h, Status.in_review)
            done_at = done.at if done else None
            out.append(
                c.clock(ClockKind.review_decision, rules.review_decision, request.at, done_at)
            )
        else:
            done = _reply_from(h, Status.in_re_review)
            done_at = done.at if done else None
            out.append(
                c.clock(
                    ClockKind.re_review_decision,
                    rules.re_review_decision,
                    request.at,
                    done_at,
                    kinds=frozenset(PauseKind),
                )
            )
    return out


def _state(
    kind: ClockKind,
    rule: ClockRule,
    due: date,
    today: date,
    stop: datetime | None,
    local: _LocalDate,
    matter: Matter,
    open_pause: bool,
) -> ClockState:
    if kind in WINDOWS:
        if stop is not None:
            return ClockState.used
        if matter.status is Status.archived or today > due:
            return ClockState.window_closed
        return ClockState.window_open
    if stop is not None:
        return ClockState.met if local(stop) <= due else ClockState.late
    if matter.status is Status.archived:
        return ClockState.met  # closed by a path that made this clock moot
    if open_pause:
        return ClockState.paused
    if today > due:
        return ClockState.overdue
    if (due - today).days <= rule.warn_days:
        return ClockState.due_soon
    return ClockState.running


@dataclass(frozen=True, slots=True)
class RulesPolicy:
    """The machine's window and extension policy taken from the site's rules."""

    rules: Rules
    cal: HolidayCalendar

    @property
    def max_extension_days(self) -> int:
        return self.rules.max_extension_days

    @property
    def max_extensions(self) -> int:
        return self.rules.max_extensions

    def local_date(self, at: datetime) -> date:
        return at.astimezone(self.rules.tz).date()

    def window_last_day(self, window: Window, opened_at: datetime) -> date:
        rule = (
            self.rules.review_request if window is Window.review else self.rules.re_review_request
        )
        return due_date(self.local_date(opened_at), rule, self.cal)
