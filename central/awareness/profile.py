"""人员画像: one person's picture from their dossier — visits, matters, categories,
outcomes, and a risk level with every reason that set it. Reading it is audited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.casefile.service import NotFound, person_public
from central.database import unit_of_work
from central.dossier.models import Person, Reception
from central.dossier.schemas import PersonPublic
from central.workflow.clocks import ClockState, clocks
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow
from central.workflow.scope import person_sites
from central.workflow.service import StoredHistoryError, load

from .queries import tagged

LEVELS = {"low": 1, "medium": 2, "high": 3}
RECENT_DAYS = 90
RECENT_VISITS = 3  # this many visits in RECENT_DAYS: medium risk
DISSATISFIED = 2  # this many 不满意: medium risk


@dataclass(frozen=True, slots=True)
class ProfileMatter:
    id: str
    registered_at: datetime
    status: str
    summary: str
    category: str | None
    organ: str | None
    archived_at: datetime | None


@dataclass(frozen=True, slots=True)
class Profile:
    person: PersonPublic
    visits: int
    first_visit: datetime | None
    last_visit: datetime | None
    visits_by_month: dict[str, int]
    ratings: dict[str, int]
    kinds: dict[str, int]
    matters: list[ProfileMatter]
    categories: dict[str, int]
    outcomes: dict[str, int]
    risk_level: str | None
    risk_reasons: list[str] = field(default_factory=list)


def person_profile(
    session: Session,
    *,
    person_id: str,
    scope: SiteScope,
    client: str | None,
    enc_key: bytes,
    config: WorkflowConfig,
    now: datetime,
) -> Profile:
    """人员画像: audited, committed; another site's person only with a stated reason."""
    with unit_of_work(session):
        return _profile(
            session, person_id=person_id, scope=scope, client=client, enc_key=enc_key,
            config=config, now=now,
        )  # fmt: skip


def _profile(
    session: Session,
    *,
    person_id: str,
    scope: SiteScope,
    client: str | None,
    enc_key: bytes,
    config: WorkflowConfig,
    now: datetime,
) -> Profile:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"没有编号为 {person_id} 的当事人")
    cross = scope.read(person_sites(session, person_id), what="该当事人的画像")
    audit.record(
        session,
        actor=scope.actor,
        action="person.profile.read",
        target=f"person:{person_id}",
        reason=scope.audit_reason(cross, "人员画像查阅"),
        client=client,
    )
    recs = session.scalars(
        select(Reception).where(Reception.person_id == person_id).order_by(Reception.started_at)
    ).all()
    starts = [r.started_at for r in recs if r.started_at]
    tz = config.rules.tz
    by_month = Counter(s.astimezone(tz).strftime("%Y-%m") for s in starts)
    rows = session.scalars(
        select(MatterRow)
        .where(
            or_(
                MatterRow.person_id == person_id,
                MatterRow.id.in_(
                    select(MatterPersonRow.matter_id).where(MatterPersonRow.person_id == person_id)
                ),
            )
        )
        .order_by(MatterRow.registered_at)
    ).all()
    tags = tagged(session, matter_ids=[m.id for m in rows])
    archived_at = dict(
        session.execute(
            select(TransitionRow.matter_id, TransitionRow.at).where(
                TransitionRow.matter_id.in_([m.id for m in rows]),
                TransitionRow.action == "archive",
            )
        ).all()
    )
    matters = [
        ProfileMatter(
            m.id,
            m.registered_at,
            m.status,
            m.summary,
            tags[m.id].category if m.id in tags else None,
            tags[m.id].organ if m.id in tags else None,
            archived_at.get(m.id),
        )
        for m in rows
    ]
    level, reasons = _risk(session, recs, rows, matters, config, now)
    return Profile(
        person=person_public(person, enc_key=enc_key),
        visits=len(recs),
        first_visit=min(starts, default=None),
        last_visit=max(starts, default=None),
        visits_by_month=dict(sorted(by_month.items())),
        ratings=dict(Counter(r.rating or "unrated" for r in recs)),
        kinds=dict(Counter(r.kind or "walk_in" for r in recs)),
        matters=matters,
        categories=dict(Counter(m.category or "未分类" for m in matters)),
        outcomes=dict(Counter(m.status for m in matters)),
        risk_level=level,
        risk_reasons=reasons,
    )


def _risk(
    session: Session,
    recs: Sequence[Reception],
    rows: Sequence[MatterRow],
    matters: list[ProfileMatter],
    config: WorkflowConfig,
    now: datetime,
) -> tuple[str | None, list[str]]:
    """The highest level among stored risks and the profile's own rules, with reasons."""
    found: list[tuple[int, str]] = []
    tz = config.rules.tz
    for r in recs:
        level = LEVELS.get(r.risk_level or "", 0)
        if level >= 2:  # a stored "low" is no reason
            when = r.started_at.astimezone(tz).strftime("%Y-%m-%d") if r.started_at else "?"
            found.append((level, f"{when} 接访标记：{r.risk_reason or '—'}"))
    for m in rows:
        level = LEVELS.get(m.risk_level or "", 0)
        if level >= 2:
            found.append((level, f"事项 {m.id[:8]}：{m.risk_reason or '—'}"))
    recent = [r for r in recs if r.started_at and r.started_at >= now - timedelta(RECENT_DAYS)]
    if len(recent) >= RECENT_VISITS:
        found.append((2, f"近 {RECENT_DAYS} 天来访 {len(recent)} 次（≥{RECENT_VISITS}）"))
    bad = sum(r.rating == "dissatisfied" for r in recs)
    if bad >= DISSATISFIED:
        found.append((2, f"不满意评价 {bad} 次（≥{DISSATISFIED}）"))
    starts = [r.started_at for r in recs if r.started_at]
    for pm in matters:
        if pm.archived_at and any(s > pm.archived_at for s in starts):
            day = pm.archived_at.astimezone(tz).strftime("%Y-%m-%d")
            found.append((2, f"事项 {pm.id[:8]} 已于 {day} 归档后再次来访"))
        if pm.status != "archived":
            try:
                _, matter = load(session, pm.id)
            except StoredHistoryError:
                found.append((3, f"事项 {pm.id[:8]} 办理记录异常"))
                continue
            late = [
                c for c in clocks(matter, config.rules, config.calendar, now)
                if c.state is ClockState.overdue
            ]  # fmt: skip
            for c in late:
                found.append((2, f"事项 {pm.id[:8]}「{c.label}」已超期 {-c.days_left} 天"))
    if not found:
        return None, []
    top = max(level for level, _ in found)
    name = {v: k for k, v in LEVELS.items()}[top]
    return name, [why for _, why in sorted(found, key=lambda x: -x[0])]
