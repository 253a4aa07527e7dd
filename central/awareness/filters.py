"""The dashboard's filters (period, region, category) and how they become SQL.

Dates are the site's local dates (``Rules.timezone``, Asia/Shanghai by default); a
period is [start 00:00, end+1 00:00) local time. Days are bucketed with the zone's
fixed UTC offset (China keeps no daylight saving time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import ColumnElement, func, literal_column
from sqlalchemy.orm import Session

MAX_SPAN_DAYS = 1100  # about three years: a dashboard, not an archive export
# the dates a period may name: at year 1 or 9999 the day after (or the bucket before)
# is outside what ``date`` holds, and such a request answered 500
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2099, 12, 31)

Bucket = Literal["day", "month"]


class Filters(BaseModel):
    """What the leader is looking at. Empty region/category means all."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: date = Field(description="first local date of the period")
    end: date = Field(description="last local date of the period (inclusive)")
    township: str | None = Field(default=None, max_length=200, description="乡镇（街道）")
    category: str | None = Field(default=None, max_length=64, description="信访事项类别")

    @model_validator(mode="after")
    def _span(self) -> Filters:
        if not (self.start >= FIRST_DAY and self.end <= LAST_DAY):
            raise ValueError(f"日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间")
        if self.end < self.start:
            raise ValueError("结束日期早于开始日期")
        if (self.end - self.start).days > MAX_SPAN_DAYS:
            raise ValueError(f"统计区间最长 {MAX_SPAN_DAYS} 天")
        return self

    @classmethod
    def period(cls, start: date, end: date) -> Filters:
        """Any period, unchecked (no region, no category): the console's KPI page counts
        whatever span it is asked, and nothing when the end comes before the start."""
        return cls.model_construct(start=start, end=end, township=None, category=None)

    @property
    def bucket(self) -> Bucket:
        return "day" if (self.end - self.start).days <= 92 else "month"

    def utc_range(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.start, time(), tz).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time(), tz).astimezone(UTC)
        return lo, hi

    def query(self, **extra: str | None) -> str:
        """The filters (and drill-down keys) as a URL query string."""
        items: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.township:
            items["township"] = self.township
        if self.category:
            items["category"] = self.category
        items.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(items)


def bucket_key(session: Session, col: Any, bucket: Bucket, tz: ZoneInfo) -> ColumnElement[str]:
    """The local day ('YYYY-MM-DD') or month ('YYYY-MM') of a UTC timestamp column."""
    if session.get_bind().dialect.name == "postgresql":
        fmt = "YYYY-MM-DD" if bucket == "day" else "YYYY-MM"
        return func.to_char(func.timezone(tz.key, col), fmt)
    offset = datetime(2000, 1, 1, tzinfo=tz).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    fmt = "%Y-%m-%d" if bucket == "day" else "%Y-%m"
    return func.strftime(fmt, col, literal_column(f"'{minutes:+d} minutes'"))


def bucket_labels(f: Filters) -> list[str]:
    """Every bucket of the period, so days with nothing show as 0."""
    if f.bucket == "day":
        n = (f.end - f.start).days + 1
        return [(f.start + timedelta(days=i)).isoformat() for i in range(n)]
    out, y, m = [], f.start.year, f.start.month
    while (y, m) <= (f.end.year, f.end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
