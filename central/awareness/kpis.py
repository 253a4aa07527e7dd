"""The KPIs the seed reports, and the overdue / due-soon picture, from data.

The one implementation of the KPIs (never typed in): the console's KPI page, the
dashboard, its API and the monthly reports all read ``kpis``. Over the filtered period
(local dates; region/category; and, for an account limited to one, a site):

* 接访量: receptions started in the period, and the persons received;
* 领导接访: batches and persons (a batch of n visitors counts n persons);
* 事项: matters registered, closed (办结 = written reply, 答复) and archived, and per
  channel (来访 at a desk or the console, 来信, 电话, 网上, 转来, imported records);
* 当日/次日 and 按期 procedural reply (受理/不予受理/转办) rates: by the next local day,
  and by the site's rule's due date (pauses not counted); denominator: matters registered;
* 平均办结天数: registration → first written reply, in days;
* 满意率: (满意 + 基本满意) / rated receptions.

Clocks come from the workflow's own clock rules (``workflow.service.open_alerts``).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.devices.models import Device
from central.dossier.models import Reception
from central.workflow.clocks import ClockState, due_date
from central.workflow.config import WorkflowConfig
from central.workflow.models import OPEN_STATUSES, MatterRow
from central.workflow.service import Addressed, open_alerts

from .filters import Filters, bucket_key
from .models import MatterTime
from .models import ReceptionFact as F
from .queries import S, Series, in_scope_matter_ids, matter_scope, reception_scope


@dataclass(frozen=True, slots=True)
class Kpis:
    receptions: int
    persons: int
    leader_batches: int
    leader_persons: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    matters_registered: int
    matters_closed: int  # 办结: with a written reply (答复), as the workflow KPIs count it
    matters_archived: int
    decided: int
    decided_within_1_day: int
    decided_on_time: int
    avg_days_to_completion: float | None  # registration → first written reply
    by_channel: tuple[tuple[str, int], ...] = ()  # matters registered per channel, most first

    @property
    def satisfaction_rate(self) -> float | None:
        good = self.satisfied + self.basically_satisfied
        return good / self.rated if self.rated else None

    @property
    def reply_1d_rate(self) -> float | None:
        n = self.matters_registered
        return self.decided_within_1_day / n if n else None

    @property
    def on_time_rate(self) -> float | None:
        n = self.matters_registered
        return self.decided_on_time / n if n else None

    def as_dict(self) -> dict[str, Any]:
        """The figures the API and the reports give (the channels are the console's)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "by_channel"}
        d |= {
            "satisfaction_rate": self.satisfaction_rate,
            "reply_1d_rate": self.reply_1d_rate,
            "on_time_rate": self.on_time_rate,
        }
        return d


def _days_between(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def kpis(
    session: Session,
    *,
    f: Filters,
    tz: ZoneInfo,
    config: WorkflowConfig | None = None,
    site: str | None = None,
) -> Kpis:
    """The KPIs of the period, region and category; of one site's receptions (its boxes)
    and matters (see ``_on_site``) when ``site`` is given."""
    leader = F.kind == "leader"
    r: Any = session.execute(
        _receptions_on_site(
            reception_scope(
                select(
                    func.count(),  # one row per reception in scope (see reception_scope)
                    func.sum(case((leader, 1), else_=0)),
                    func.sum(case((leader, func.coalesce(F.visitors, 1)), else_=0)),
                    func.count(F.rating),
                    func.sum(case((F.rating == "satisfied", 1), else_=0)),
                    func.sum(case((F.rating == "basically_satisfied", 1), else_=0)),
                    func.sum(case((F.rating == "dissatisfied", 1), else_=0)),
                ),
                f=f,
                tz=tz,
            ),
            site,
        )
    ).one()
    # distinct persons as a GROUP BY: sorted once, 2× faster than COUNT(DISTINCT) on
    # SQLite (which inserts every row into a b-tree) and no slower on PostgreSQL
    per_person = _receptions_on_site(
        reception_scope(select(F.person_id), f=f, tz=tz).where(F.person_id.is_not(None)), site
    )
    persons = session.scalar(
        select(func.count()).select_from(per_person.group_by(F.person_id).subquery())
    )
    m = _matter_kpis(session, f=f, tz=tz, config=config or WorkflowConfig(), site=site)
    return Kpis(
        receptions=int(r[0] or 0),
        persons=int(persons or 0),
        leader_batches=int(r[1] or 0),
        leader_persons=int(r[2] or 0),
        rated=int(r[3] or 0),
        satisfied=int(r[4] or 0),
        basically_satisfied=int(r[5] or 0),
        dissatisfied=int(r[6] or 0),
        **m,
    )


def _receptions_on_site(stmt: S, site: str | None) -> S:
    """Receptions (``ReceptionFact`` rows) taken at one of ``site``'s boxes."""
    if site is None:
        return stmt
    return (
        stmt.join(Reception, Reception.id == F.reception_id)
        .join(Device, Device.id == Reception.device)
        .where(Device.site == site)
    )


def _matters_on_site(stmt: S, site: str | None) -> S:
    """Matters of ``site``: its site as numbered (intake, import), else its registering
    reception's box's, else its officer's organisation's."""
    if site is None:
        return stmt
    return (
        stmt.outerjoin(Reception, Reception.id == MatterRow.reception_id)
        .outerjoin(Device, Device.id == Reception.device)
        .outerjoin(Account, Account.username == MatterRow.officer_id)
        .where(func.coalesce(MatterRow.site, Device.site, Account.org) == site)
    )


def _matter_kpis(
    session: Session, *, f: Filters, tz: ZoneInfo, config: WorkflowConfig, site: str | None
) -> dict[str, Any]:
    """One GROUP BY (registration day × decision day × channel) in SQL, on each matter's
    first decision / reply / archive times (``MatterTime``, kept by a trigger); the due
    dates in Python, once per registration day (the rule's calendar is not in the
    database)."""
    scoped = _matters_on_site(
        matter_scope(select(MatterRow.id, MatterRow.registered_at, MatterRow.channel), f=f, tz=tz),
        site,
    ).subquery()
    t = MatterTime
    reg_day = bucket_key(session, scoped.c.registered_at, "day", tz)
    dec_day = bucket_key(session, t.decided_at, "day", tz)
    span = _days_between(session, t.replied_at, scoped.c.registered_at)
    rows = session.execute(
        select(
            reg_day,
            dec_day,
            func.count(),
            func.count(t.replied_at),
            func.count(t.archived_at),
            func.sum(span),
            scoped.c.channel,
        )
        .select_from(scoped.outerjoin(t, t.matter_id == scoped.c.id))
        .group_by(reg_day, dec_day, scoped.c.channel)
    ).all()

    @cache
    def due(day: str) -> date:
        return due_date(date.fromisoformat(day), config.rules.procedural_reply, config.calendar)

    out = dict.fromkeys(
        ("matters_registered", "matters_closed", "matters_archived", "decided",
         "decided_within_1_day", "decided_on_time"), 0,
    )  # fmt: skip
    total_days = 0.0
    channels: Counter[str] = Counter()
    for reg, dec, n, replied, archived, days, channel in rows:
        channels[channel] += n
        out["matters_registered"] += n
        out["matters_closed"] += replied
        out["matters_archived"] += archived
        total_days += float(days or 0)
        if dec is not None:
            out["decided"] += n
            gap = (date.fromisoformat(dec) - date.fromisoformat(reg)).days
            out["decided_within_1_day"] += n if gap <= 1 else 0
            out["decided_on_time"] += n if date.fromisoformat(dec) <= due(reg) else 0
    closed = out["matters_closed"]
    avg = round(total_days / closed, 1) if closed else None
    by_channel = tuple(sorted(channels.items(), key=lambda kv: (-kv[1], kv[0])))
    return {**out, "avg_days_to_completion": avg, "by_channel": by_channel}


class ClockCache:
    """The last clock scan, reused while nothing it depends on has changed.

    Scanning every open matter's clocks takes about a second with a few thousand open
    matters; the result only changes when a matter changes (``matter.updated_at``,
    the number of open matters) or the local date does, which one cheap query checks.
    One per app (``app.state``); a lock keeps two requests from scanning at once.
    """

    def __init__(self) -> None:
        self._key: tuple[Any, ...] | None = None
        self._alerts: list[Addressed] = []
        self._lock = threading.Lock()

    def get(self, session: Session, *, config: WorkflowConfig, now: datetime) -> list[Addressed]:
        # per status, so each lookup uses the status index (see open_matter_ids)
        per = [
            tuple(
                session.execute(
                    select(func.count(), func.max(MatterRow.updated_at)).where(
                        MatterRow.status == st
                    )
                ).one()
            )
            for st in OPEN_STATUSES
        ]
        key = (now.astimezone(config.rules.tz).date(), tuple(per), id(config))
        with self._lock:
            if key != self._key:
                self._alerts = open_alerts(session, config=config, now=now)
                self._key = key
            return self._alerts


def clock_alerts(
    session: Session,
    *,
    f: Filters,
    tz: ZoneInfo,
    config: WorkflowConfig,
    now: datetime,
    cache: ClockCache | None = None,
) -> list[Addressed]:
    """Due-soon and overdue clocks of open matters in the region/category (any period)."""
    if cache is not None:
        found = cache.get(session, config=config, now=now)
    else:
        found = open_alerts(session, config=config, now=now)
    among = sorted({a.alert.matter_id for a in found})
    ids = in_scope_matter_ids(session, f=f, tz=tz, among=among)
    return [a for a in found if ids is None or a.alert.matter_id in ids]


def clock_summary(alerts: list[Addressed], config: WorkflowConfig) -> Series:
    """Per clock: how many overdue and due soon (keys are clock kinds)."""
    over: Counter[str] = Counter()
    soon: Counter[str] = Counter()
    for a in alerts:
        kind = a.alert.clock.value if a.alert.clock else "record"
        (over if a.alert.state is ClockState.overdue else soon)[kind] += 1
    kinds = sorted(over.keys() | soon.keys(), key=lambda k: (-(over[k] + soon[k]), k))
    labels = [_clock_label(k, config) for k in kinds]
    return Series(labels, kinds, [over[k] for k in kinds], {"due_soon": [soon[k] for k in kinds]})


def _clock_label(kind: str, config: WorkflowConfig) -> str:
    rule = getattr(config.rules, kind, None)
    return str(getattr(rule, "label", "") or ("办理记录异常" if kind == "record" else kind))
