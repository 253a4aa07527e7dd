"""Plan-drafting rules a site edits (TOML, unknown keys refused) and which ones fire."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import PlansError

DEFAULT_FILE = Path(__file__).with_name("rules.default.toml")
SITE_FILE = "plan_rules.toml"  # under the site's data_dir


class TaskTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organ_kind: str = Field(description="police / xfj / township / other / procuratorate")
    assignee: str = Field(default="", max_length=200, description="who, by role")
    task: str = Field(min_length=1, max_length=2000, description="what to do")
    due_days: int = Field(ge=0, le=365, description="days after drafting")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64, description="identifier")
    label: str = Field(min_length=1, max_length=200, description="shown in the plan")
    risk_levels: list[str] = Field(default=[], description="fires for these risk levels")
    keywords: list[str] = Field(default=[], description="fires if the summary has one")
    min_organs: int = Field(default=0, ge=0, description="fires if shared with ≥ this many organs")
    task: list[TaskTemplate] = Field(min_length=1, description="tasks this rule adds")


class PlanRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: list[Rule] = Field(description="rules, in the order tasks are listed")


class RulesError(PlansError, ValueError):
    pass


def load(path: Path) -> PlanRules:
    try:
        return PlanRules.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as e:
        raise RulesError(f"方案规则文件 {path} 有误：{e}") from e


def site_rules(data_dir: Path) -> PlanRules:
    site = data_dir / SITE_FILE
    return load(site if site.exists() else DEFAULT_FILE)


@dataclass(frozen=True)
class Facts:
    summary: str
    risk_level: str | None
    organs: int  # how many organs the matter is shared with


def fired(rules: PlanRules, facts: Facts) -> list[Rule]:
    out = []
    for r in rules.rule:
        conds = []
        if r.risk_levels:
            conds.append(facts.risk_level in r.risk_levels)
        if r.keywords:
            conds.append(any(k in facts.summary for k in r.keywords))
        if r.min_organs:
            conds.append(facts.organs >= r.min_organs)
        if conds and all(conds):
            out.append(r)
    return out
