"""The deadline rules table a site can change (defaults from DESIGN.md).

Loaded from a TOML or JSON file; unknown keys are refused so a typo never silently
falls back to a default. ``rules.default.toml`` beside this module documents every key.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from protocol.deadlines import DEFAULT_CLOCKS, TIMEZONE, ClockRule, Unit

from . import sitefile
from .errors import WorkflowError

__all__ = ["DEFAULT_RULES", "ClockRule", "Rules", "RulesError", "Unit", "load_rules"]


class RulesError(WorkflowError, ValueError):
    """The rules file cannot be used; the message says which key and why."""


class Rules(BaseModel):
    """Every statutory clock and window of the workflow."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    timezone: str = Field(default=TIMEZONE, description="IANA zone that dates count in")
    procedural_reply: ClockRule = Field(
        default=DEFAULT_CLOCKS["procedural_reply"],
        description="受理/不予受理/转办 告知 (最高检 7 日；福建 7 个工作日)",
    )
    acceptance_decision: ClockRule = Field(
        default=DEFAULT_CLOCKS["acceptance_decision"], description="decide acceptance"
    )
    result_reply: ClockRule = Field(
        default=DEFAULT_CLOCKS["result_reply"],
        description="result or progress reply after registration",
    )
    progress_reply: ClockRule = Field(
        default=DEFAULT_CLOCKS["progress_reply"],
        description="after the result deadline, a progress reply every period",
    )
    handling: ClockRule = Field(default=DEFAULT_CLOCKS["handling"], description="from acceptance")
    max_extension_days: int = Field(default=30, ge=0, le=90, description="延期 at most, days")
    max_extensions: int = Field(default=1, ge=0, le=3, description="延期 how many times")
    review_request: ClockRule = Field(
        default=DEFAULT_CLOCKS["review_request"],
        description="window for the petitioner, from the written reply",
    )
    re_review_request: ClockRule = Field(
        default=DEFAULT_CLOCKS["re_review_request"],
        description="window for the petitioner, from the 复查意见",
    )
    review_decision: ClockRule = Field(
        default=DEFAULT_CLOCKS["review_decision"], description="from the request"
    )
    re_review_decision: ClockRule = Field(
        default=DEFAULT_CLOCKS["re_review_decision"],
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
