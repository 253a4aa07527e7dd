"""Statutory clocks as both halves show them: names, default limits, day arithmetic.

Central computes every clock of a matter (``central.workflow.clocks``); the box shows
the ones that start at 登记 while the petitioner is still at the desk. Both take the
names from ``CLOCK_NAMES`` (the statute's wording: 程序性回复, not 程序性答复), count in
``TIMEZONE`` whatever zone the machine's own clock is set to, and count days with
``due_date`` and the holiday calendar of ``protocol.calendar``, so the date a
petitioner is told at the desk is the date central holds the procuratorate to.

Counting follows the usual legal convention: the day a period starts is not counted
(so "7 days from 3 March" ends on 10 March). Months keep the day of the month,
clamped to the month's end (31 January + 1 month = 28/29 February).
"""

from __future__ import annotations

import calendar as _stdcal
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CLOCK_NAMES",
    "DEFAULT_CLOCKS",
    "TIMEZONE",
    "ClockRule",
    "Unit",
    "WorkingDays",
    "add_months",
    "due_date",
    "local_date",
]

TIMEZONE = "Asia/Shanghai"  # Beijing time: the procuratorate's days, not the box's zone

# One name per clock, as officers and petitioners read it (the statute's wording).
CLOCK_NAMES: Mapping[str, str] = {
    "procedural_reply": "程序性回复",  # 受理 / 不予受理 / 转办 告知
    "acceptance_decision": "受理决定",
    "result_reply": "办理过程或结果答复",
    "progress_reply": "过程答复",
    "handling": "办理期限",
    "review_request": "复查申请期限",
    "re_review_request": "复核申请期限",
    "review_decision": "复查办理期限",
    "re_review_decision": "复核办理期限",
}


class Unit(StrEnum):
    calendar_days = "calendar_days"  # 自然日
    working_days = "working_days"  # 工作日 (needs the holiday calendar)
    months = "months"  # 月 (same day of month, clamped to the month's end)


class ClockRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    limit: int = Field(ge=1, le=400, description="how many units the clock allows")
    unit: Unit = Field(description="calendar_days, working_days or months")
    warn_days: int = Field(
        default=3,
        ge=0,
        le=60,
        description="calendar days before the due date counted as due soon",
    )
    roll_to_working_day: bool = Field(
        default=True,
        description="a deadline ending on a rest day moves to the next working day",
    )
    label: str = Field(default="", max_length=50, description="zh-CN name shown to officers")


def _rule(kind: str, limit: int, unit: Unit, warn: int = 3) -> ClockRule:
    return ClockRule(limit=limit, unit=unit, label=CLOCK_NAMES[kind], warn_days=warn)


# Defaults from DESIGN.md; a site changes them in its rules file (central) and the
# same values in the box's [ui] table.
DEFAULT_CLOCKS: Mapping[str, ClockRule] = {
    "procedural_reply": _rule("procedural_reply", 7, Unit.calendar_days, 2),
    "acceptance_decision": _rule("acceptance_decision", 15, Unit.calendar_days),
    "result_reply": _rule("result_reply", 3, Unit.months, 7),
    "progress_reply": _rule("progress_reply", 1, Unit.months, 5),
    "handling": _rule("handling", 60, Unit.calendar_days, 7),
    "review_request": _rule("review_request", 30, Unit.calendar_days, 0),
    "re_review_request": _rule("re_review_request", 30, Unit.calendar_days, 0),
    "review_decision": _rule("review_decision", 30, Unit.calendar_days, 5),
    "re_review_decision": _rule("re_review_decision", 30, Unit.calendar_days, 5),
}


class WorkingDays(Protocol):
    """What day counting needs of a calendar (``protocol.calendar.HolidayCalendar``)."""

    def is_working_day(self, d: date) -> bool: ...

    def next_working_day(self, d: date) -> date: ...


def local_date(at: datetime | int, tz: str = TIMEZONE) -> date:
    """The date in ``tz`` of an aware datetime or of ms since the epoch."""
    when = datetime.fromtimestamp(at / 1000, UTC) if isinstance(at, int) else at
    return when.astimezone(ZoneInfo(tz)).date()


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _stdcal.monthrange(year, month)[1]))


def due_date(
    start: date,
    rule: ClockRule,
    cal: WorkingDays,
    *,
    skip: frozenset[date] = frozenset(),
    extra_days: int = 0,
) -> date:
    """The last day of a clock that started on ``start`` (a date, not counted);
    ``skip`` are paused days, ``extra_days`` an approved extension."""
    if rule.unit is Unit.working_days:
        left, d = rule.limit + extra_days, start
        while left:
            d += timedelta(days=1)
            if d not in skip and cal.is_working_day(d):
                left -= 1
        return d
    if rule.unit is Unit.months:
        base = add_months(start, rule.limit) + timedelta(days=extra_days)
    else:
        base = start + timedelta(days=rule.limit + extra_days)
    due = base
    while True:  # each skipped day inside the period pushes the end by one
        pushed = base + timedelta(days=sum(1 for s in skip if start < s <= due))
        if pushed == due:
            break
        due = pushed
    return cal.next_working_day(due) if rule.roll_to_working_day else due
