"""The deadline rules table a site can change (defaults from DESIGN.md).

Loaded from a TOML or JSON file; unknown keys are refused so a typo never silently
falls back to a default. ``rules.default.toml`` beside this module documents every key.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import sitefile


class RulesError(ValueError):
    """The rules file cannot be used; the message says which key and why."""


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


def _rule(limit: int, unit: Unit, label: str, warn: int = 3) -> ClockRule:
    return ClockRule(limit=limit, unit=unit, label=label, warn_days=warn)


class Rules(BaseModel):
    """Every statutory clock and window of the workflow."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    timezone: str = Field(default="Asia/Shanghai", description="IANA zone that dates count in")
    procedural_reply: ClockRule = Field(
        default=_rule(7, Unit.calendar_days, "程序性回复", 2),
        description="受理/不予受理/转办 告知 (最高检 7 日；福建 7 个工作日)",
    )
    acceptance_decision: ClockRule = Field(
        default=_rule(15, Unit.calendar_days, "受理决定"), description="decide acceptance"
    )
    result_reply: ClockRule = Field(
        default=_rule(3, Unit.months, "办理过程或结果答复", 7),
        description="result or progress reply after registration",
    )
    progress_reply: ClockRule = Field(
        default=_rule(1, Unit.months, "过程答复", 5),
        description="after the result deadline, a progress reply every period",
    )
    handling: ClockRule = Field(
        default=_rule(60, Unit.calendar_days, "办理期限", 7), description="from acceptance"
    )
    max_extension_days: int = Field(default=30, ge=0, le=90, description="延期 at most, days")
    max_extensions: int = Field(default=1, ge=0, le=3, description="延期 how many times")
    review_request: ClockRule = Field(
        default=_rule(30, Unit.calendar_days, "复查申请期限", 0),
        description="window for the petitioner, from the written reply",
    )
    re_review_request: ClockRule = Field(
        default=_rule(30, Unit.calendar_days, "复核申请期限", 0),
        description="window for the petitioner, from the 复查意见",
    )
    review_decision: ClockRule = Field(
        default=_rule(30, Unit.calendar_days, "复查办理期限", 5), description="from the request"
    )
    re_review_decision: ClockRule = Field(
        default=_rule(30, Unit.calendar_days, "复核办理期限", 5),
        description="from the request; hearing time is not counted",
    )
    leader_after_overdue_days: int = Field(
        default=0,
        ge=0,
        le=60,
        description="overdue this many days, the officer's leader is alerted too",
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULT_RULES = Rules()
DEFAULT_RULES_FILE = Path(__file__).with_name("rules.default.toml")


def parse_rules(text: str, *, fmt: str) -> Rules:
    return sitefile.parse(text, fmt=fmt, model=Rules, what="期限规则", error=RulesError)


def load_rules(path: Path) -> Rules:
    """Load a site's ``.toml`` or ``.json`` rules file."""
    return sitefile.load(path, model=Rules, what="期限规则", error=RulesError)
