"""The holiday calendar lives in ``protocol.calendar``: the box counts days by it too,
so the deadlines it shows are the ones central computes."""

from __future__ import annotations

from protocol.calendar import (
    SAMPLE_CN_2026,
    WEEKENDS_ONLY,
    CalendarError,
    CalendarFile,
    HolidayCalendar,
    HolidayRange,
    from_model,
    load_calendar,
    parse_csv,
    parse_json,
)

__all__ = [
    "SAMPLE_CN_2026",
    "WEEKENDS_ONLY",
    "CalendarError",
    "CalendarFile",
    "HolidayCalendar",
    "HolidayRange",
    "from_model",
    "load_calendar",
    "parse_csv",
    "parse_json",
]
