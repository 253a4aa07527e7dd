"""Holiday calendar: statutory holidays and adjusted working weekends (调休).

Shared by central (the statutory clocks) and the box (the deadlines it shows), so
both count the same days; ``central.workflow.calendar`` re-exports it.

A site loads its calendar from a JSON or CSV file every year (the State Council
publishes the arrangement each November). A day is a working day when it is listed as
an adjusted working day, else when it is not a holiday and not a weekend.

JSON: ``{"name": ..., "source": ..., "years": [2026], "holidays": [...],
"workdays": [...]}`` where each holiday entry is a date or ``{"from", "to", "name"}``.
CSV: header ``date,kind,name`` with kind ``holiday`` or ``workday``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class CalendarError(ValueError):
    """The calendar file cannot be used; the message says where and why."""


class HolidayRange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_: date = Field(alias="from", description="first day off")
    to: date = Field(description="last day off (inclusive)")
    name: str = Field(default="", max_length=50, description="节日名称")

    @model_validator(mode="after")
    def _ordered(self) -> HolidayRange:
        if self.to < self.from_:
            raise ValueError(f"{self.name or 'holiday'}: 'to' {self.to} is before 'from'")
        if (self.to - self.from_).days > 30:
            raise ValueError(f"{self.name or 'holiday'}: a range longer than 31 days")
        return self


class CalendarFile(BaseModel):
    """The on-disk form of a holiday calendar."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", description="what this calendar is, e.g. 中国 2026")
    source: str = Field(default="", description="the notice it was taken from")
    note: str = Field(default="", description="free text for the site")
    years: list[int] = Field(default_factory=list, description="years fully covered")
    holidays: list[date | HolidayRange] = Field(default_factory=list, description="days off")
    workdays: list[date] = Field(default_factory=list, description="调休 working weekend days")


@dataclass(frozen=True, slots=True)
class HolidayCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    name: str = ""

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            raise CalendarError(f"既是假日又是调休上班日：{sorted(both)[0].isoformat()}")
        weekday_workdays = [d for d in self.workdays if d.weekday() < 5]
        if weekday_workdays:
            raise CalendarError(
                f"调休上班日应为周末：{sorted(weekday_workdays)[0].isoformat()} 是工作日"
            )

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d not in self.holidays and d.weekday() < 5

    def covers(self, d: date) -> bool:
        """Whether the site's calendar is known for this date's year."""
        return d.year in self.years

    def next_working_day(self, d: date) -> date:
        """``d`` itself if it is a working day, else the first one after it."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d


WEEKENDS_ONLY = HolidayCalendar(name="weekends only")


def _days(entries: Iterable[date | HolidayRange]) -> set[date]:
    out: set[date] = set()
    for e in entries:
        if isinstance(e, HolidayRange):
            out.update(e.from_ + timedelta(days=i) for i in range((e.to - e.from_).days + 1))
        else:
            out.add(e)
    return out


def from_model(f: CalendarFile) -> HolidayCalendar:
    years = set(f.years)
    for d in (*_days(f.holidays), *f.workdays):
        if years and d.year not in years:
            raise CalendarError(f"{d.isoformat()} 不在声明的年份 {sorted(years)} 内")
    return HolidayCalendar(
        holidays=frozenset(_days(f.holidays)),
        workdays=frozenset(f.workdays),
        years=frozenset(years),
        name=f.name,
    )


def parse_json(text: str) -> HolidayCalendar:
    try:
        return from_model(CalendarFile.model_validate(json.loads(text)))
    except (ValidationError, json.JSONDecodeError) as e:
        raise CalendarError(f"节假日文件格式错误：{e}") from e


def parse_csv(text: str, *, years: Iterable[int] = ()) -> HolidayCalendar:
    holidays: list[date | HolidayRange] = []
    workdays: list[date] = []
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"date", "kind"} <= set(reader.fieldnames):
        raise CalendarError("CSV 须有表头 date,kind[,name]")
    for n, row in enumerate(reader, start=2):
        kind: Literal["holiday", "workday"] | str = (row.get("kind") or "").strip()
        try:
            d = date.fromisoformat((row.get("date") or "").strip())
        except ValueError as e:
            raise CalendarError(f"第 {n} 行：日期无效 {row.get('date')!r}") from e
        if kind == "holiday":
            holidays.append(d)
        elif kind == "workday":
            workdays.append(d)
        else:
            raise CalendarError(f"第 {n} 行：kind 须为 holiday 或 workday，收到 {kind!r}")
    ys = set(years) or {d.year for d in (*_days(holidays), *workdays)}
    return from_model(CalendarFile(years=sorted(ys), holidays=holidays, workdays=workdays))


def load_calendar(path: Path) -> HolidayCalendar:
    """Load a ``.json`` or ``.csv`` calendar file."""
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise CalendarError(f"无法读取节假日文件 {path}：{e}") from e
    if path.suffix.lower() == ".csv":
        return parse_csv(text)
    if path.suffix.lower() == ".json":
        return parse_json(text)
    raise CalendarError(f"节假日文件须为 .json 或 .csv：{path.name}")


SAMPLE_CN_2026 = Path(__file__).with_name("holidays_cn_2026.json")
