"""The leader's queues: supervision (督办) of high-risk receptions and matters, and the
review of 不满意 receptions with their recording, findings and accountability notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from central.access.gates import Leader
from central.access.scope import SiteScope
from central.api.workflow import ConfigDep
from central.audit import service as audit
from central.db import utcnow
from central.deps import SessionDep
from central.dossier.models import Person, Reception

from .dossier_pages import back, site_scope
from .templating import render

router = APIRouter(prefix="/leader")


def _scoped(stmt, site: str | None):
    if site is None:
        return stmt
    from central.devices.models import Device

    return stmt.join(Device, Device.id == Reception.device).where(Device.site == site)


@router.get("/supervision", response_class=HTMLResponse)
def supervision(
    request: Request, session: SessionDep, acc: Leader, msg: str = "", error: str = ""
) -> HTMLResponse:
    from central.workflow.models import MatterRow, SupervisionRow
    from central.workflow.states import Status

    site = site_scope(acc)
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
        from central.accounts.models import Account

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
    ctx = {"live": live, "matters": matters, "joined": joined, "msg": msg, "error": error}
    return render(request, "supervision.html", ctx, session=session, acc=acc)


@router.post("/supervise")
def supervise(
    session: SessionDep,
    acc: Leader,
    cfg: ConfigDep,
    reception_id: Annotated[str, Form(max_length=36)] = "",
    matter_id: Annotated[str, Form(max_length=36)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """Join supervision: a 督办 row, and on a matter the machine's 督办 step."""
    from central.workflow import service as wf
    from central.workflow.errors import WorkflowError
    from central.workflow.models import SupervisionRow
    from central.workflow.states import Action, Command

    path = "/console/leader/supervision"
    if not reception_id and not matter_id:
        return back(path, "请选择要督办的接访或事项", error=True)
    now = utcnow()
    if matter_id:
        cmd = Command(
            action=Action.supervise, actor=acc.username, at=now, reason=note or "领导督办"
        )
        try:
            wf.apply_step(
                session, matter_id=matter_id, command=cmd, config=cfg, scope=SiteScope.of(acc)
            )
        except WorkflowError as e:
            return back(path, str(e), error=True)
    if reception_id and session.get(Reception, reception_id) is None:
        return back(path, f"接访记录不存在：{reception_id}", error=True)
    if reception_id:
        from central.workflow.scope import reception_sites

        SiteScope.of(acc).write(reception_sites(session, reception_id), what="该接访记录")
    session.add(
        SupervisionRow(
            reception_id=reception_id or None,
            matter_id=matter_id or None,
            leader=acc.username,
            opened_at=now,
            note=note,
        )
    )
    target = f"matter:{matter_id}" if matter_id else f"reception:{reception_id}"
    audit.record(session, actor=acc.username, action="supervision.open", target=target, reason=note)
    session.commit()
    return back(path, "已加入督办")


@router.get("/reviews", response_class=HTMLResponse)
def reviews(
    request: Request, session: SessionDep, acc: Leader, msg: str = "", error: str = ""
) -> HTMLResponse:
    from central.evidence.models import Leaf
    from central.workflow.models import ReviewRow

    site = site_scope(acc)
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
    ctx = {"pending": pending, "done": done, "recorded": recorded, "msg": msg, "error": error}
    return render(request, "reviews.html", ctx, session=session, acc=acc)


@router.post("/reviews/{reception_id}")
def review(
    reception_id: str,
    session: SessionDep,
    acc: Leader,
    findings: Annotated[str, Form(max_length=4000)] = "",
    accountability: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    from central.workflow.models import ReviewRow

    path = "/console/leader/reviews"
    if not findings.strip():
        return back(path, "请填写复核意见", error=True)
    r = session.get(Reception, reception_id)
    if r is None or r.rating != "dissatisfied":
        return back(path, "只能复核评价为不满意的接访", error=True)
    from central.workflow.scope import reception_sites

    SiteScope.of(acc).write(reception_sites(session, reception_id), what="该接访记录")
    if (
        session.scalar(select(ReviewRow.id).where(ReviewRow.reception_id == reception_id))
        is not None
    ):
        return back(path, "该接访已复核", error=True)
    session.add(
        ReviewRow(
            reception_id=reception_id,
            leader=acc.username,
            at=utcnow(),
            findings=findings.strip(),
            accountability=accountability.strip(),
        )
    )
    audit.record(
        session,
        actor=acc.username,
        action="review.record",
        target=f"reception:{reception_id}",
        reason=findings.strip()[:500],
    )
    session.commit()
    return back(path, "复核意见已记录")
