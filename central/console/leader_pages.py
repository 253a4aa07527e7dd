"""The leader's queues: supervision (督办) of high-risk receptions and matters, and the
review of 不满意 receptions with their recording, findings and accountability notes.
The queues and the writes are ``central.casefile.leader``'s."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from central.access.gates import Leader
from central.access.scope import SiteScope
from central.api.workflow import ConfigDep
from central.casefile import leader
from central.deps import SessionDep
from central.workflow.errors import WorkflowError

from .actions import FormAction
from .dossier_pages import site_scope
from .templating import render

router = APIRouter(prefix="/leader")
SUPERVISION = "/console/leader/supervision"
REVIEWS = "/console/leader/reviews"


@router.get("/supervision", response_class=HTMLResponse)
def supervision(
    request: Request, session: SessionDep, acc: Leader, msg: str = "", error: str = ""
) -> HTMLResponse:
    ctx = leader.supervision_queue(session, site=site_scope(acc)) | {"msg": msg, "error": error}
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
    refusals = (leader.LeaderRefused, WorkflowError)
    with FormAction(session, acc, back=SUPERVISION, refusals=refusals) as act:
        leader.open_supervision(
            session, scope=SiteScope.of(acc), leader=acc.username, reception_id=reception_id,
            matter_id=matter_id, note=note, config=cfg,
        )  # fmt: skip
        act.done("已加入督办")
    return act.response


@router.get("/reviews", response_class=HTMLResponse)
def reviews(
    request: Request, session: SessionDep, acc: Leader, msg: str = "", error: str = ""
) -> HTMLResponse:
    ctx = leader.review_queue(session, site=site_scope(acc)) | {"msg": msg, "error": error}
    return render(request, "reviews.html", ctx, session=session, acc=acc)


@router.post("/reviews/{reception_id}")
def review(
    reception_id: str,
    session: SessionDep,
    acc: Leader,
    findings: Annotated[str, Form(max_length=4000)] = "",
    accountability: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    with FormAction(session, acc, back=REVIEWS, refusals=(leader.LeaderRefused,)) as act:
        leader.record_review(
            session, scope=SiteScope.of(acc), leader=acc.username, reception_id=reception_id,
            findings=findings, accountability=accountability,
        )  # fmt: skip
        act.done("复核意见已记录")
    return act.response
