"""The leader's queues as the console shows them: supervision (督办) of high-risk
receptions and matters, and the review of 不满意 receptions; and the two things a
leader writes there, joining supervision and recording a review. Writes flush and
audit in the caller's transaction (the console's form action commits)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.db import utcnow
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.evidence.models import Leaf
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterRow, ReviewRow, SupervisionRow
from central.workflow.scope import reception_sites
from central.workflow.states import Action, Command, Status

from .errors import CasefileError

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


class LeaderRefused(CasefileError, ValueError):
    """What a leader asked cannot be done (said in their words)."""


def _scoped(stmt: Query, site: str | None) -> Query:
    if site is None:
        return stmt
    return stmt.join(Device, Device.id == Reception.device).where(Device.site == site)


def supervision_queue(session: Session, *, site: str | None) -> dict[str, Any]:
    """Live high-risk receptions, open high- and medium-risk matters (of the site's
    officers when ``site``), and the supervision already joined, by (reception, matter)."""
    live = session.execute(
        _scoped(
            select(Reception, Person)
            .outerjoin(Person, Person.id == Reception.person_id)
            .where(Reception.risk_level == "high", Reception.ended_at.is_(None)),
            site,
        )
        .order_by(Reception.started_at.desc())
        .limit(100)
    ).all()
    mq = select(MatterRow).where(
        MatterRow.status != Status.archived.value, MatterRow.risk_level.in_(("high", "medium"))
    )
    if site is not None:  # the matters of this organisation's officers
        mq = mq.join(Account, Account.username == MatterRow.officer_id).where(Account.org == site)
    # "high" sorts before "medium"
    order = (MatterRow.risk_level.asc(), MatterRow.registered_at)
    matters = session.scalars(mq.order_by(*order).limit(200)).all()
    joined = {
        (s.reception_id, s.matter_id): s
        for s in session.scalars(
            select(SupervisionRow).order_by(SupervisionRow.opened_at.desc()).limit(500)
        )
    }
    return {"live": live, "matters": matters, "joined": joined}


def open_supervision(
    session: Session,
    *,
    scope: SiteScope,
    leader: str,
    reception_id: str,
    matter_id: str,
    note: str,
    config: WorkflowConfig,
    now: datetime | None = None,
) -> None:
    """Join supervision: a 督办 row, and on a matter the machine's 督办 step (which
    ``wf.apply_step`` commits at once, as it always has; a refusal there writes nothing
    and is a ``WorkflowError``)."""
    if not reception_id and not matter_id:
        raise LeaderRefused("请选择要督办的接访或事项")
    now = now or utcnow()
    if matter_id:
        reason = note or "领导督办"
        cmd = Command(action=Action.supervise, actor=leader, at=now, reason=reason)
        wf.apply_step(session, matter_id=matter_id, command=cmd, config=config, scope=scope)
    if reception_id and session.get(Reception, reception_id) is None:
        raise LeaderRefused(f"接访记录不存在：{reception_id}")
    if reception_id:
        scope.write(reception_sites(session, reception_id), what="该接访记录")
    session.add(
        SupervisionRow(
            reception_id=reception_id or None,
            matter_id=matter_id or None,
            leader=leader,
            opened_at=now,
            note=note,
        )
    )
    target = f"matter:{matter_id}" if matter_id else f"reception:{reception_id}"
    audit.record(session, actor=leader, action="supervision.open", target=target, reason=note)


def review_queue(session: Session, *, site: str | None) -> dict[str, Any]:
    """不满意 receptions: those waiting for a review, those reviewed, and which of them
    have a recording."""
    base = (
        select(Reception, Person, ReviewRow)
        .outerjoin(Person, Person.id == Reception.person_id)
        .outerjoin(ReviewRow, ReviewRow.reception_id == Reception.id)
        .where(Reception.rating == "dissatisfied")
    )
    rows = session.execute(_scoped(base, site).order_by(Reception.rated_at.desc()).limit(300)).all()
    ids = [r.id for r, _, _ in rows]
    recorded = (
        set(session.scalars(select(Leaf.reception_id).where(Leaf.reception_id.in_(ids)).distinct()))
        if ids
        else set()
    )
    pending = [(r, p) for r, p, rv in rows if rv is None]
    done = [(r, p, rv) for r, p, rv in rows if rv is not None]
    return {"pending": pending, "done": done, "recorded": recorded}


def record_review(
    session: Session,
    *,
    scope: SiteScope,
    leader: str,
    reception_id: str,
    findings: str,
    accountability: str,
) -> ReviewRow:
    """A leader's review of a 不满意 reception (one per reception), audited."""
    if not findings.strip():
        raise LeaderRefused("请填写复核意见")
    r = session.get(Reception, reception_id)
    if r is None or r.rating != "dissatisfied":
        raise LeaderRefused("只能复核评价为不满意的接访")
    scope.write(reception_sites(session, reception_id), what="该接访记录")
    if (
        session.scalar(select(ReviewRow.id).where(ReviewRow.reception_id == reception_id))
        is not None
    ):
        raise LeaderRefused("该接访已复核")
    row = ReviewRow(
        reception_id=reception_id,
        leader=leader,
        at=utcnow(),
        findings=findings.strip(),
        accountability=accountability.strip(),
    )
    session.add(row)
    audit.record(
        session,
        actor=leader,
        action="review.record",
        target=f"reception:{reception_id}",
        reason=findings.strip()[:500],
    )
    return row
