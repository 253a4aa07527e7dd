"""The site's workflow configuration: deadline rules, holiday calendar, risk rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from central.settings import Settings

from .calendar import SAMPLE_CN_2026, HolidayCalendar, load_calendar
from .clocks import RulesPolicy
from .refs import SiteDirectory
from .risk import DEFAULT_RISK_RULES, RiskRules, load_risk_rules
from .rules import DEFAULT_RULES, Rules, load_rules
from .sites import load_sites

# the calendar must be known this far ahead, or the console and the admins are warned
CALENDAR_AHEAD_DAYS = 60


@dataclass(frozen=True, slots=True)
class WorkflowConfig:
    rules: Rules = DEFAULT_RULES
    calendar: HolidayCalendar = field(default_factory=lambda: load_calendar(SAMPLE_CN_2026))
    risk: RiskRules = DEFAULT_RISK_RULES
    sites: SiteDirectory = field(default_factory=SiteDirectory)  # names and 文号 formats

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
        sites: Path | None = None,
    ) -> WorkflowConfig:
        """Each file is optional; a missing one means the shipped default."""

        return cls(
            rules=load_rules(rules) if rules else DEFAULT_RULES,
            calendar=load_calendar(calendar or SAMPLE_CN_2026),
            risk=load_risk_rules(risk) if risk else DEFAULT_RISK_RULES,
            sites=load_sites(sites) if sites else SiteDirectory(),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkflowConfig:
        """The site's files named in the settings, loaded once at start; a bad file stops
        the start with its error (a deadline is never computed on rules nobody chose)."""
        return cls.from_files(
            rules=settings.rules_file, calendar=settings.calendar_file, risk=settings.risk_file,
            sites=settings.sites_file,
        )  # fmt: skip

    def calendar_gap(self, today: date, *, days: int = CALENDAR_AHEAD_DAYS) -> date | None:
        """The first day within ``days`` of ``today`` that the holiday calendar does not
        cover, or None: deadlines reaching past it are provisional (待核定)."""
        for n in range(days + 1):
            d = today + timedelta(days=n)
            if not self.calendar.covers(d):
                return d
        return None
