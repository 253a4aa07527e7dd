"""The statutory clocks the desk shows, computed as central computes them.

Names, day counting and the default holiday calendar come from ``protocol.deadlines``
and ``protocol.calendar``; dates are Beijing dates (``protocol.deadlines.TIMEZONE``)
whatever zone the box's own clock is set to. The clocks start when the matter is
registered (the 登记 step's time, as at central), or at the linked matter's
registration; before 登记 the desk shows what they would be if it were registered now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from protocol.calendar import SAMPLE_CN_2026, HolidayCalendar, load_calendar
from protocol.deadlines import (
    CLOCK_NAMES,
    DEFAULT_CLOCKS,
    ClockRule,
    Unit,
    due_date,
    local_date,
)

from .config import UiConfig

UNIT_ZH = {Unit.calendar_days: "日", Unit.working_days: "个工作日", Unit.months: "个月"}


@dataclass(frozen=True)
class Deadline:
    kind: str  # protocol.deadlines.CLOCK_NAMES key
    label: str
    limit: str  # "7日", "3个月"
    due: date | None  # None when it starts later (from an acceptance or a reply)


@cache
def _calendar(path: Path | None) -> HolidayCalendar:
    return load_calendar(path or SAMPLE_CN_2026)


def calendar_of(cfg: UiConfig) -> HolidayCalendar:
    """The site's holiday calendar (``[ui] holidays_file``; central's default without)."""
    return _calendar(cfg.holidays_file)


def rules_of(cfg: UiConfig) -> dict[str, ClockRule]:
    """The clocks with the site's limits from ``[ui]`` (the same values as central's
    rules file), names and rolling from ``protocol.deadlines``."""

    def rule(kind: str, limit: int, unit: Unit | None = None) -> ClockRule:
        base = DEFAULT_CLOCKS[kind]
        return base.model_copy(
            update={"limit": limit, "unit": unit or base.unit, "label": CLOCK_NAMES[kind]}
        )

    reply_unit = Unit.working_days if cfg.reply_working_days else Unit.calendar_days
    return {
        "procedural_reply": rule("procedural_reply", cfg.reply_days, reply_unit),
        "acceptance_decision": rule("acceptance_decision", cfg.accept_days),
        "result_reply": rule("result_reply", cfg.result_months),
        "handling": rule("handling", cfg.handle_days),
        "review_request": rule("review_request", cfg.review_request_days),
    }


def deadlines(
    cfg: UiConfig, registered_ms: int, *, accepted_ms: int | None = None
) -> list[Deadline]:
    """The clocks of a matter registered at ``registered_ms`` (ms since the epoch)."""
    rules, cal = rules_of(cfg), calendar_of(cfg)
    day0 = local_date(registered_ms)

    def one(kind: str, start: date | None) -> Deadline:
        r = rules[kind]
        due = due_date(start, r, cal) if start is not None else None
        return Deadline(kind, r.label, f"{r.limit}{UNIT_ZH[r.unit]}", due)

    accepted = local_date(accepted_ms) if accepted_ms is not None else None
    return [
        one("procedural_reply", day0),
        one("acceptance_decision", day0),
        one("result_reply", day0),
        one("handling", accepted),
        one("review_request", None),
    ]
