"""Risk levels with their reasons, for matters and receptions (pure).

The rules are a site-editable table (TOML/JSON, unknown keys refused). Each finding
carries a reason a leader can act on; the overall level is the highest finding.
Keyword hits are a prompt for the officer and the leader to look, not a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from central.labels import RISK_ZH

from . import sitefile
from .errors import WorkflowError


class RiskRulesError(WorkflowError, ValueError):
    """The risk rules file cannot be used."""


class Level(IntEnum):
    low = 0
    medium = 1
    high = 2

    @property
    def wire(self) -> Literal["low", "medium", "high"]:
        """The name used by ``protocol.messages.RiskNote``."""
        return ("low", "medium", "high")[self.value]


LEVEL_ZH = {lv: RISK_ZH[lv.name] for lv in Level}


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    medium_at: int = Field(ge=0, description="count from which the level is medium; 0 = off")
    high_at: int = Field(ge=0, description="count from which the level is high; 0 = off")

    @model_validator(mode="after")
    def _order(self) -> Threshold:
        if self.medium_at and self.high_at and self.high_at < self.medium_at:
            raise ValueError("high_at must not be below medium_at")
        return self

    def level(self, n: int) -> Level:
        if self.high_at and n >= self.high_at:
            return Level.high
        if self.medium_at and n >= self.medium_at:
            return Level.medium
        return Level.low


class RiskRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    self_harm_words: tuple[str, ...] = Field(
        default=("自杀", "轻生", "跳楼", "跳河", "喝药", "服毒", "不想活", "自焚", "寻死"),
        description="words that, when stated, raise a self-harm finding (high)",
    )
    violence_words: tuple[str, ...] = Field(
        default=("报复", "同归于尽", "杀了", "砍死", "炸掉", "放火", "拼命"),
        description="words that, when stated, raise a violence finding (high)",
    )
    group_visitors: Threshold = Field(
        default=Threshold(medium_at=3, high_at=5),
        description="persons present (集体访: 5 or more)",
    )
    repeat_visits: Threshold = Field(
        default=Threshold(medium_at=2, high_at=4),
        description="visits on the same unresolved matter",
    )
    overdue_days: Threshold = Field(
        default=Threshold(medium_at=1, high_at=30), description="days the worst clock is overdue"
    )
    dissatisfied: Threshold = Field(
        default=Threshold(medium_at=1, high_at=2), description="不满意 ratings on the matter"
    )


DEFAULT_RISK_RULES = RiskRules()


def parse_risk_rules(text: str, *, fmt: Literal["toml", "json"]) -> RiskRules:
    return sitefile.parse(text, fmt=fmt, model=RiskRules, what="风险规则", error=RiskRulesError)


def load_risk_rules(path: Path) -> RiskRules:
    """Load a site's ``.toml`` or ``.json`` risk rules file."""
    return sitefile.load(path, model=RiskRules, what="风险规则", error=RiskRulesError)


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """What is known about a reception or matter; the caller gathers it."""

    statements: tuple[str, ...] = ()  # what was said / written in the steps
    stated_level: Level | None = None  # the officer's own marking in the step
    stated_reason: str = ""
    visitors: int = 1
    group_visit: bool = False  # kind == "group"
    repeat_visits_unresolved: int = 0
    overdue_days: int = 0  # the worst overdue clock, 0 if none
    dissatisfied: int = 0


NO_RISK = "未发现风险因素"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    level: Level
    reason: str


@dataclass(frozen=True, slots=True)
class Assessment:
    level: Level
    findings: tuple[Finding, ...]

    @property
    def reason(self) -> str:
        """One line for ``RiskNote.reason`` (highest findings first)."""
        return "；".join(f.reason for f in self.findings) or NO_RISK


def _hits(words: tuple[str, ...], statements: tuple[str, ...]) -> list[str]:
    return [w for w in words if w and any(w in s for s in statements)]


def assess(facts: RiskFacts, rules: RiskRules = DEFAULT_RISK_RULES) -> Assessment:
    out: list[Finding] = []
    if facts.stated_level is not None and facts.stated_level > Level.low:
        why = facts.stated_reason.strip() or "承办人标注"
        out.append(Finding("stated", facts.stated_level, f"承办人标注：{why}"))
    if hits := _hits(rules.self_harm_words, facts.statements):
        out.append(Finding("self_harm", Level.high, f"言语中有自伤自杀倾向（{'、'.join(hits)}）"))
    if hits := _hits(rules.violence_words, facts.statements):
        out.append(Finding("violence", Level.high, f"言语中有暴力倾向（{'、'.join(hits)}）"))
    lv = rules.group_visitors.level(facts.visitors)
    if facts.group_visit and lv is Level.low:
        lv = Level.medium
    if lv > Level.low:
        out.append(Finding("group", lv, f"集体访，到场 {facts.visitors} 人"))
    if (lv := rules.repeat_visits.level(facts.repeat_visits_unresolved)) > Level.low:
        n = facts.repeat_visits_unresolved
        out.append(Finding("repeat", lv, f"同一事项未办结，已重复来访 {n} 次"))
    if (lv := rules.overdue_days.level(facts.overdue_days)) > Level.low:
        out.append(Finding("overdue", lv, f"事项已超期 {facts.overdue_days} 天"))
    if (lv := rules.dissatisfied.level(facts.dissatisfied)) > Level.low:
        out.append(Finding("dissatisfied", lv, f"不满意评价 {facts.dissatisfied} 次"))
    out.sort(key=lambda f: -f.level)
    return Assessment(max((f.level for f in out), default=Level.low), tuple(out))
