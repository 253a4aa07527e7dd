"""The KPIs the seed reports, computed from the data (never typed in).

* 接访量: receptions started in the period;
* 办结: matters registered in the period that have had their written reply (答复);
* 当日/次日回复率: procedural reply (受理/不予受理/转办) on the day of registration
  or the next day (Beijing dates);
* 按期回复率: procedural reply by the site's rule's due date (pauses not counted here);
* 平均办结天数: registration → first written reply, in days;
* 满意率: (满意 + 基本满意) / rated receptions;
* 领导接访: batches and persons;
* 事项 by channel: every channel counts (来访 at a desk or the console, 来信, 电话, 网上,
  转来, and imported records), each matter once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central.casefile.people import leader_receptions
from central.dossier.models import Reception
from central.workflow.config import WorkflowConfig

DECISIONS = ("accept", "decline", "transfer")


@dataclass(frozen=True, slots=True)
class Kpis:
    receptions: int
    rated: int
    satisfied: int
    matters: int
    closed: int
    replied_same_or_next_day: int
    replied_on_time: int
    procedural_replied: int
    avg_days_to_completion: float | None
    leader_batches: int
    leader_persons: int
    by_channel: tuple[tuple[str, int], ...] = ()  # matters registered, per channel (来信…)

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return round(100 * n / d, 1) if d else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def same_or_next_day_rate(self) -> float | None:
        return self._rate(self.replied_same_or_next_day, self.matters)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.replied_on_time, self.matters)


def _site_filter(stmt, site: str | None):
    if site is None:
        return stmt
    from central.devices.models import Device

    return stmt.join(Device, Device.id == Reception.device).where(Device.site == site)


def compute(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    site: str | None = None,
    config: WorkflowConfig | None = None,
) -> Kpis:
    from central.workflow.clocks import due_date
    from central.workflow.models import MatterRow, TransitionRow

    cfg = config or WorkflowConfig()
    tz = cfg.rules.tz
    in_period = (Reception.started_at >= since) & (Reception.started_at < until)
    good = Reception.rating.in_(("satisfied", "basically_satisfied"))
    stmt = select(
        func.count(),
        func.count(Reception.rating),
        func.coalesce(func.sum(case((good, 1), else_=0)), 0),
    ).where(in_period)
    receptions, rated, satisfied = session.execute(_site_filter(stmt, site)).one()
    leaders = leader_receptions(session, since=since, until=until, site=site)

    registered = (MatterRow.registered_at >= since) & (MatterRow.registered_at < until)
    first_decision = (
        select(TransitionRow.matter_id, func.min(TransitionRow.at).label("at"))
        .where(TransitionRow.action.in_(DECISIONS))
        .group_by(TransitionRow.matter_id)
        .subquery()
    )
    first_reply = (
        select(TransitionRow.matter_id, func.min(TransitionRow.at).label("at"))
        .where(TransitionRow.action == "reply")
        .group_by(TransitionRow.matter_id)
        .subquery()
    )
    mstmt = (
        select(MatterRow.registered_at, first_decision.c.at, first_reply.c.at, MatterRow.channel)
        .outerjoin(first_decision, first_decision.c.matter_id == MatterRow.id)
        .outerjoin(first_reply, first_reply.c.matter_id == MatterRow.id)
        .where(registered)
    )
    if site is not None:
        # a matter's site as numbered (intake, import), else its registering reception's
        # box, else its officer's organisation
        from central.accounts.models import Account
        from central.devices.models import Device

        mstmt = (
            mstmt.outerjoin(Reception, Reception.id == MatterRow.reception_id)
            .outerjoin(Device, Device.id == Reception.device)
            .outerjoin(Account, Account.username == MatterRow.officer_id)
            .where(func.coalesce(MatterRow.site, Device.site, Account.org) == site)
        )

    @cache
    def due(start: date) -> date:
        return due_date(start, cfg.rules.procedural_reply, cfg.calendar)

    matters = closed = quick = on_time = decided = 0
    days: list[float] = []
    channels: dict[str, int] = {}
    for reg, decided_at, replied_at, channel in session.execute(mstmt):
        matters += 1
        channels[channel] = channels.get(channel, 0) + 1
        reg_day = reg.astimezone(tz).date()
        if decided_at is not None:
            decided += 1
            d = decided_at.astimezone(tz).date()
            quick += (d - reg_day).days <= 1
            on_time += d <= due(reg_day)
        if replied_at is not None:
            closed += 1
            days.append((replied_at - reg).total_seconds() / 86400)
    return Kpis(
        receptions=int(receptions),
        rated=int(rated),
        satisfied=int(satisfied),
        matters=matters,
        closed=closed,
        replied_same_or_next_day=quick,
        replied_on_time=on_time,
        procedural_replied=decided,
        avg_days_to_completion=round(sum(days) / len(days), 1) if days else None,
        leader_batches=leaders.batches,
        leader_persons=leaders.persons,
        by_channel=tuple(sorted(channels.items(), key=lambda kv: -kv[1])),
    )
