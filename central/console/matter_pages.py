"""The matter page, the officer's working view: its clocks, its next allowed steps as
buttons, its history; beside it the legal references, similar matters, coordinated
plans and what other organs added (``matter_side``), and the hearings (fetched)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from central.access.gates import Reader, Worker
from central.access.scope import SiteScope
from central.accounts.models import Account
from central.api.workflow import ConfigDep, matter_view, step_command
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow
from central.deps import SessionDep
from central.documents import service as docs
from central.intake.service import attachments
from central.legal.search import mark
from central.workflow import service as wf
from central.workflow.errors import IllegalTransition, WorkflowError
from central.workflow.schemas import StepCreate
from central.workflow.states import ACTION_ZH

from .actions import back
from .intake_pages import received_label
from .matter_side import assemble
from .plan_pages import PLANNERS
from .step_forms import FORMS, PRIMARY
from .templating import render

router = APIRouter()


@router.get("/matters/{matter_id}", response_class=HTMLResponse)
def matter(
    matter_id: str,
    request: Request,
    session: SessionDep,
    acc: Reader,
    cfg: ConfigDep,
    msg: str = "",
    error: str = "",
    issued: Annotated[str, Query(max_length=36, description="the paper just issued")] = "",
    lq: Annotated[str, Query(max_length=200, description="法条查找")] = "",
    reason: Annotated[str, Query(max_length=200, description="跨院查阅的理由")] = "",
) -> HTMLResponse:
    now = utcnow()
    m = matter_view(session, matter_id, cfg, now)
    scope = SiteScope.of(acc, reason=reason)
    cross = wf.guard(session, matter_id, scope, write=False)  # another site's: asks why
    planner = acc.role in PLANNERS
    side = assemble(
        session,
        matter_id=matter_id,
        risk_level=m.risk.level,
        now=now,
        scope=scope,
        legal_query=lq,
        planner=planner,
    )
    with unit_of_work(session):  # the read's audit row
        audit.record(
            session,
            actor=acc.username,
            action="matter.read",
            target=f"matter:{matter_id}",
            reason=scope.audit_reason(cross, "控制台查阅"),
            client=request.client.host if request.client else None,
        )
    ctx = {
        "m": m,
        "leader": _leader(session, m.leader_id, m.officer_id),
        "received": received_label(m.channel, m.registered_at),
        "attachments": attachments(session, matter_id),
        "cancelled": wf.cancelled_visits(session, matter_id),
        "doc_offers": docs.offers(session, matter_id),
        "issued_docs": docs.for_matter(session, matter_id),
        "just_issued": issued,
        "forms": FORMS,
        "primary": PRIMARY,
        "msg": msg,
        "error": error,
        "side": side,
        "reason": reason,
        "planner": planner,
        "mark": mark,
    }
    return render(request, "matter.html", ctx, session=session, acc=acc)


def _leader(session: Any, leader_id: str | None, officer_id: str | None) -> str | None:
    """The matter's 分管领导: its own, else its officer's leader (as the alerts address
    them, ``central.alerts.risk``)."""
    if leader_id or not officer_id:
        return leader_id
    return session.scalar(select(Account.leader).where(Account.username == officer_id))


def _form_step(form: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"action": form.get("action", ""), "reason": form.get("reason", "")}
    raw = str(form.get("documents", "")).replace("，", ",").replace("、", ",")
    docs = [d.strip() for d in raw.split(",") if d.strip()]
    data["documents"] = docs
    for key in ("target_organ", "approved_by", "notice_document", "pause_kind"):
        if form.get(key):
            data[key] = form.get(key)
    if form.get("extension_days"):
        data["extension_days"] = form.get("extension_days")
    data["waived"] = form.get("waived") in ("1", "on", "true")
    return data


@router.post("/matters/{matter_id}/steps")
async def step(
    matter_id: str, request: Request, session: SessionDep, acc: Worker, cfg: ConfigDep
) -> Response:
    path = f"/console/matters/{matter_id}"
    wf.guard(session, matter_id, SiteScope.of(acc), write=True)  # before reading the form
    form = await request.form()
    try:
        body = StepCreate.model_validate(_form_step(form))
    except ValidationError as e:
        first = e.errors()[0]
        return back(
            path, f"填写有误：{'.'.join(map(str, first['loc']))} {first['msg']}", error=True
        )
    try:
        wf.apply_step(
            session,
            matter_id=matter_id,
            command=step_command(body, actor=acc.username, now=utcnow()),
            config=cfg,
            scope=SiteScope.of(acc),
        )
    except IllegalTransition as e:
        allowed = "、".join(ACTION_ZH[a] for a in e.allowed)
        return back(path, f"{e}（现在可以：{allowed}）", error=True)
    except wf.MatterNotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    except WorkflowError as e:
        return back(path, str(e), error=True)
    return back(path, f"已完成：{ACTION_ZH[body.action]}")  # type: ignore[index]
