"""The forms the console's hearing pages post (``hearing_pages.py``): the registry of
hearing officers (leaders and admins), and a matter's hearings: schedule, commit a
draw, reveal or abandon it, record the outcome, cancel (officers, leaders, admins).

Every form carries the session's CSRF token (the account dependencies check it), calls
``central.hearings`` through a ``FormAction`` and redirects back (to the form's
``back`` field when it is a console page, else the matter page) with ``?msg=`` or
``?error=``; the service's refusals are shown there, in Chinese.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from sqlalchemy.orm import Session

from central.access.gates import Leader, Worker
from central.access.principals import Staff
from central.access.scope import SiteScope
from central.console import hearing_forms as forms
from central.console.actions import FormAction
from central.console.hearing_forms import FormError
from central.console.hearing_pages import BACK, hearing_or_404, matter_page
from central.deps import SessionDep
from central.evidence.log import EvidenceLog
from central.hearings import draws, service
from central.hearings.clock import now

REGISTRY = "/console/hearings/registry"
REFUSALS = (FormError, service.HearingError)
COMMITTED = (
    "已承诺抽取：候选名单、名额和抽签方案已记入证据日志。请在随机来源揭晓前公布听证公告，"
    "然后公布结果（承诺 {commitment}…，核验信息见“如何核验”）。"
)
ABANDONED = "已放弃该次承诺：它仍留在证据日志中，并列入公开的抽取记录；现在可以另行承诺"

router = APIRouter(prefix="/console/hearings", include_in_schema=False)


def _log(request: Request) -> EvidenceLog:
    log: EvidenceLog = request.app.state.evidence.log
    return log


def _target(form: Any, default: str) -> str:
    """The form's ``back`` if it is one of our console pages (no open redirect)."""
    given = form.get("back")
    return given if isinstance(given, str) and BACK.fullmatch(given) else default


def _draw_matter(session: Session, acc: Staff, draw_id: str) -> str:
    """The matter a draw is about, once the caller may write to it (else 404 or 403)."""
    matter_id = service.matter_of(session, draw_id=draw_id)
    if matter_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"抽取不存在：{draw_id}")
    service.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    return matter_id


def _hearing_matter(session: Session, acc: Staff, hearing_id: str) -> str:
    """The matter of a hearing, once the caller may write to it (else 404 or 403)."""
    h = hearing_or_404(session, hearing_id)
    service.guard(session, SiteScope.of(acc), matter_id=h.matter_id, write=True)
    return h.matter_id


# -- the registry (leaders and admins) -------------------------------------------------


@router.post("/registry")
async def add_person(request: Request, session: SessionDep, acc: Leader) -> Response:
    form = await request.form()
    with FormAction(session, acc, back=REGISTRY, refusals=REFUSALS, request=request) as act:
        p = service.add_person(session, **forms.person(form))
        act.audit("hearing.registry.add", f"hearing_person:{p.id}")
        act.done(f"已加入名册：{p.name}（{service.CATEGORIES[p.category]}）")
    return act.response


@router.post("/registry/{person_id}/conflicts")
async def add_conflict(
    request: Request, session: SessionDep, acc: Leader, person_id: str
) -> Response:
    form = await request.form()
    with FormAction(session, acc, back=REGISTRY, refusals=REFUSALS, request=request) as act:
        c = service.add_conflict(session, person_id=person_id, **forms.conflict(form))
        act.audit("hearing.registry.conflict", f"hearing_person:{person_id}")
        act.done(f"已登记利害关系：{c.subject}")
    return act.response


@router.post("/registry/{person_id}/active")
async def set_active(
    request: Request, session: SessionDep, acc: Leader, person_id: str
) -> Response:
    on = (await request.form()).get("active") == "1"
    refusals = (service.HearingError,)
    with FormAction(session, acc, back=REGISTRY, refusals=refusals, request=request) as act:
        p = service.set_active(session, person_id=person_id, active=on)
        act.audit(
            f"hearing.registry.{'activate' if on else 'deactivate'}", f"hearing_person:{p.id}"
        )
        act.done(f"已{'恢复' if on else '停用'}：{p.name}")
    return act.response


# -- a matter's hearings (officers, leaders, admins) -------------------------------------


@router.post("/schedule")
async def schedule(request: Request, session: SessionDep, acc: Worker) -> Response:
    form = await request.form()
    matter_id = str(form.get("matter_id") or "")
    to = _target(form, matter_page(matter_id))
    service.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        kw = forms.hearing(form, matter_id=matter_id)
        h = service.schedule(session, actor=acc.username, **kw)
        act.audit("hearing.schedule", f"hearing:{h.id}")
        act.done(f"已安排听证：{h.title}")
    return act.response


@router.post("/{hearing_id}/draws")
async def commit(request: Request, session: SessionDep, acc: Worker, hearing_id: str) -> Response:
    matter_id = _hearing_matter(session, acc, hearing_id)
    form = await request.form()
    to = _target(form, matter_page(matter_id))
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        kw = forms.draw(form)
        row = draws.commit_draw(
            session, _log(request), hearing_id=hearing_id, now=now(request), **kw
        )
        act.audit("hearing.draw.commit", f"hearing_draw:{row.id}")
        act.done(COMMITTED.format(commitment=row.commitment[:16]))
    return act.response


@router.post("/draws/{draw_id}/reveal")
async def reveal(request: Request, session: SessionDep, acc: Worker, draw_id: str) -> Response:
    matter_id = _draw_matter(session, acc, draw_id)
    form = await request.form()
    to = _target(form, matter_page(matter_id))
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        kw = forms.reveal(form)
        done = draws.reveal_draw(session, draw_id=draw_id, now=now(request), **kw)
        act.audit("hearing.draw.reveal", f"hearing_draw:{draw_id}")
        act.done(f"已公布抽取结果：抽中 {len(done.selected or [])} 名听证员")
    return act.response


@router.post("/draws/{draw_id}/abandon")
async def abandon(request: Request, session: SessionDep, acc: Worker, draw_id: str) -> Response:
    matter_id = _draw_matter(session, acc, draw_id)
    form = await request.form()
    to = _target(form, matter_page(matter_id))
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        reason = forms.abandon(form)
        draws.abandon_draw(
            session, draw_id=draw_id, reason=reason, actor=acc.display_name or acc.username,
            now=now(request),
        )  # fmt: skip
        act.audit("hearing.draw.abandon", f"hearing_draw:{draw_id}", reason)
        act.done(ABANDONED)
    return act.response


@router.post("/{hearing_id}/outcome")
async def outcome(request: Request, session: SessionDep, acc: Worker, hearing_id: str) -> Response:
    matter_id = _hearing_matter(session, acc, hearing_id)
    form = await request.form()
    to = _target(form, matter_page(matter_id))
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        kw = forms.outcome(form)
        service.record_outcome(session, hearing_id=hearing_id, now=now(request), **kw)
        act.audit("hearing.outcome", f"hearing:{hearing_id}")
        act.done("已记录听证结果")
    return act.response


@router.post("/{hearing_id}/cancel")
async def cancel(request: Request, session: SessionDep, acc: Worker, hearing_id: str) -> Response:
    matter_id = _hearing_matter(session, acc, hearing_id)
    form = await request.form()
    to = _target(form, matter_page(matter_id))
    with FormAction(session, acc, back=to, refusals=REFUSALS, request=request) as act:
        service.cancel(
            session, hearing_id=hearing_id, reason=forms.cancel(form), actor=acc.username
        )
        act.audit("hearing.cancel", f"hearing:{hearing_id}")
        act.done("已取消听证")
    return act.response
