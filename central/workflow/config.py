"""The site's workflow configuration: deadline rules, holiday calendar, risk rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .calendar import SAMPLE_CN_2026, HolidayCalendar, load_calendar
from .clocks import RulesPolicy
from .risk import DEFAULT_RISK_RULES, RiskRules, load_risk_rules
from .rules import DEFAULT_RULES, Rules, load_rules


@dataclass(frozen=True, slots=True)
class WorkflowConfig:
    rules: Rules = DEFAULT_RULES
    calendar: HolidayCalendar = field(default_factory=lambda: load_calendar(SAMPLE_CN_2026))
    risk: RiskRules = DEFAULT_RISK_RULES

    @property
    def policy(self) -> RulesPolicy:
        return RulesPolicy(self.rules, self.calendar)

    @classmethod
    def from_files(
        cls,
        *,
        rules: Path | None = None,
        calendar: Path | None = None,
        risk: Path | None = None,
    ) -> WorkflowConfig:
        """Each file is optional; a missing one means the shipped default."""
        return cls(
            rules=load_rules(rules) if rules else DEFAULT_RULES,
            calendar=load_calendar(calendar or SAMPLE_CN_2026),
            risk=load_risk_rules(risk) if risk else DEFAULT_RISK_RULES,
        )
