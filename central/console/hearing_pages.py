"""The console's hearing pages (server-rendered, zh-CN) and the forms they post.

* ``/console/hearings/`` — every hearing, newest first;
* ``/console/hearings/registry`` — the registry of hearing officers and their
  conflicts; officers read it, leaders and admins change it (the pool a panel is drawn
  from must not be shaped by whoever handles the matter);
* ``/console/hearings/panel?matter_id=…`` — the fragment the matter page loads: each
  hearing with its schedule, invitation, draw (commit → reveal → result and how to
  verify it), participants and outcome, and a form to schedule one;
* ``/console/hearings/matters/{matter_id}`` — the same fragment as a page of its own;
* ``/console/hearings/{hearing_id}`` — one hearing with every candidate's chance.

The public notice of a hearing (no login) is ``notice.py``'s ``/hearings/{hearing_id}``.

Every form carries the session's CSRF token, calls ``service`` and redirects back (to
the form's ``back`` field when it is a console page, else the matter page) with
``?msg=`` or ``?error=``; the service's refusals are shown there, in Chinese.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.access.gates import Leader, Reader, Worker
from central.access.scope import SiteScope
from central.accounts.service import Current
from central.console import hearing_forms as forms
from central.console.hearing_forms import FormError
from central.console.templating import TEMPLATES as CONSOLE_TEMPLATES
from central.console.templating import install
from central.deps import SessionDep
from central.evidence.log import EvidenceLog
from central.hearings import draws, overview, service
from central.hearings.clock import now
from central.hearings.models import DrawRow, HearingRow

EDITORS = ("officer", "leader", "admin")
KEEPERS = ("leader", "admin")  # who may change the registry
REGISTRY = "/console/hearings/registry"
# where a form may send the browser back to: console pages of matters and hearings
BACK = re.compile(r"/console/(matters|hearings)(/[A-Za-z0-9_.\-]+)+")


@cache
def templates() -> Jinja2Templates:
    """The console's templates and globals, and the hearing forms' choices."""
    t = Jinja2Templates(directory=str(CONSOLE_TEMPLATES))
    install(t.env)
    t.env.globals.update(
        categories=service.CATEGORIES,
        subject_kinds=forms.SUBJECT_KINDS,
        other_roles=forms.OTHER_ROLES,
    )
    return t


def _page(
    request: Request,
    name: str,
    ctx: dict[str, Any],
    *,
    session: Session,
    acc: Current | None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page with the header's account and unread alert count (as the console's)."""
    from central.alerts.models import AlertRow

    count = 0
    if acc is not None:
        count = (
            session.scalar(
                select(func.count()).where(
                    AlertRow.recipient == acc.username, AlertRow.read_at.is_(None)
                )
            )
            or 0
        )
    data = {"acc": acc, "alert_count": count, **ctx}
    return templates().TemplateResponse(request, name, data, status_code=status_code)


def _public_url(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return settings.public_url if settings else str(request.base_url)


def _log(request: Request) -> EvidenceLog:
    log: EvidenceLog = request.app.state.evidence.log
    return log


def back(path: str, msg: str, *, error: bool = False) -> RedirectResponse:
    key = "error" if error else "msg"
    return RedirectResponse(f"{path}?{key}={quote(msg)}", status_code=status.HTTP_303_SEE_OTHER)


def _matter_page(matter_id: str) -> str:
    return f"/console/matters/{quote(matter_id, safe='')}"


def _target(form: Any, default: str) -> str:
    """The form's ``back`` if it is one of our console pages (no open redirect)."""
    given = form.get("back")
    return given if isinstance(given, str) and BACK.fullmatch(given) else default


def _audit(
    session: Session, request: Request, acc: Current, action: str, target: str, reason: str = ""
) -> None:
    from central.audit import service as audit

    audit.record(
        session,
        actor=acc.username,
        action=action,
        target=target,
        reason=reason,
        client=request.client.host if request.client else None,
    )


def _hearing_or_404(session: Session, hearing_id: str) -> HearingRow:
    h = session.get(HearingRow, hearing_id)
    if h is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"听证不存在：{hearing_id}")
    return h


def make_router() -> APIRouter:
    r = APIRouter(prefix="/console/hearings", include_in_schema=False)

    # -- pages ------------------------------------------------------------------------

    @r.get("/", response_class=HTMLResponse)
    def index(request: Request, session: SessionDep, acc: Worker) -> HTMLResponse:
        ctx = {"hearings": overview.upcoming(session)}
        return _page(request, "hearings/index.html", ctx, session=session, acc=acc)

    @r.get("/registry", response_class=HTMLResponse)
    def registry(
        request: Request,
        session: SessionDep,
        acc: Worker,
        category: str = "",
        active: str = "1",
        msg: str = "",
        error: str = "",
    ) -> HTMLResponse:
        shown = {"1": True, "0": False}.get(active)
        ctx = {
            "people": overview.registry(
                session, category=category if category in service.CATEGORIES else None, active=shown
            ),
            "category": category,
            "active": active if active in ("1", "0", "all") else "1",
            "may_keep": acc.role in KEEPERS,
            "msg": msg,
            "error": error,
        }
        return _page(request, "hearings/registry.html", ctx, session=session, acc=acc)

    @r.get("/panel", response_class=HTMLResponse)
    def panel(
        request: Request,
        session: SessionDep,
        acc: Reader,
        matter_id: str,
        back: str = "",
        reason: str = "",
    ) -> HTMLResponse:
        """The fragment (no page around it): forms only for those who may use them."""
        scope = SiteScope.of(acc, reason=reason)
        service.guard(session, scope, matter_id=matter_id, write=False)
        ctx = _matter_ctx(request, session, acc, matter_id, back or _matter_page(matter_id))
        return templates().TemplateResponse(request, "hearings/_panel.html", ctx)

    @r.get("/matters/{matter_id}", response_class=HTMLResponse)
    def matter(
        request: Request,
        session: SessionDep,
        acc: Worker,
        matter_id: str,
        msg: str = "",
        error: str = "",
        reason: str = "",
    ) -> HTMLResponse:
        if not overview.matter_exists(session, matter_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"事项不存在：{matter_id}")
        scope = SiteScope.of(acc, reason=reason)
        service.guard(session, scope, matter_id=matter_id, write=False)
        here = f"/console/hearings/matters/{quote(matter_id, safe='')}"
        ctx = _matter_ctx(request, session, acc, matter_id, here) | {"msg": msg, "error": error}
        return _page(request, "hearings/matter.html", ctx, session=session, acc=acc)

    @r.get("/{hearing_id}", response_class=HTMLResponse)
    def hearing(
        request: Request,
        session: SessionDep,
        acc: Worker,
        hearing_id: str,
        msg: str = "",
        error: str = "",
        reason: str = "",
    ) -> HTMLResponse:
        h = _hearing_or_404(session, hearing_id)
        scope = SiteScope.of(acc, reason=reason)
        service.guard(session, scope, hearing_id=hearing_id, write=False)
        ctx = {
            "h": overview.hearing(
                session, h, public_url=_public_url(request), now=now(request), full=True
            ),
            "can_edit": acc.role in EDITORS,
            "acc": acc,
            "back": f"/console/hearings/{h.id}",
            "full": True,
            "msg": msg,
            "error": error,
        }
        return _page(request, "hearings/hearing.html", ctx, session=session, acc=acc)

    # -- the registry (leaders and admins) ----------------------------------------------

    @r.post("/registry")
    async def add_person(request: Request, session: SessionDep, acc: Leader) -> Response:
        form = await request.form()
        try:
            p = service.add_person(session, **forms.person(form))
        except (FormError, service.HearingError) as e:
            return back(REGISTRY, str(e), error=True)
        _audit(session, request, acc, "hearing.registry.add", f"hearing_person:{p.id}")
        session.commit()
        return back(REGISTRY, f"已加入名册：{p.name}（{service.CATEGORIES[p.category]}）")

    @r.post("/registry/{person_id}/conflicts")
    async def add_conflict(
        request: Request, session: SessionDep, acc: Leader, person_id: str
    ) -> Response:
        form = await request.form()
        try:
            c = service.add_conflict(session, person_id=person_id, **forms.conflict(form))
        except (FormError, service.HearingError) as e:
            return back(REGISTRY, str(e), error=True)
        _audit(session, request, acc, "hearing.registry.conflict", f"hearing_person:{person_id}")
        session.commit()
        return back(REGISTRY, f"已登记利害关系：{c.subject}")

    @r.post("/registry/{person_id}/active")
    async def set_active(
        request: Request, session: SessionDep, acc: Leader, person_id: str
    ) -> Response:
        form = await request.form()
        on = form.get("active") == "1"
        try:
            p = service.set_active(session, person_id=person_id, active=on)
        except service.HearingError as e:
            return back(REGISTRY, str(e), error=True)
        verb = "恢复" if on else "停用"
        _audit(session, request, acc, f"hearing.registry.{'activate' if on else 'deactivate'}",
               f"hearing_person:{p.id}")  # fmt: skip
        session.commit()
        return back(REGISTRY, f"已{verb}：{p.name}")

    # -- a matter's hearings (officers, leaders, admins) --------------------------------

    @r.post("/schedule")
    async def schedule(request: Request, session: SessionDep, acc: Worker) -> Response:
        form = await request.form()
        matter_id = str(form.get("matter_id") or "")
        to = _target(form, _matter_page(matter_id))
        service.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
        try:
            h = service.schedule(
                session, actor=acc.username, **forms.hearing(form, matter_id=matter_id)
            )
        except (FormError, service.HearingError) as e:
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.schedule", f"hearing:{h.id}")
        session.commit()
        return back(to, f"已安排听证：{h.title}")

    @r.post("/{hearing_id}/draws")
    async def commit(
        request: Request, session: SessionDep, acc: Worker, hearing_id: str
    ) -> Response:
        h = _hearing_or_404(session, hearing_id)
        service.guard(session, SiteScope.of(acc), matter_id=h.matter_id, write=True)
        form = await request.form()
        to = _target(form, _matter_page(h.matter_id))
        try:
            kw = forms.draw(form)
            row = draws.commit_draw(session, _log(request), hearing_id=h.id, now=now(request), **kw)
        except (FormError, service.HearingError) as e:
            session.rollback()
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.draw.commit", f"hearing_draw:{row.id}")
        session.commit()
        return back(
            to,
            "已承诺抽取：候选名单、名额和抽签方案已记入证据日志。请在随机来源揭晓前公布听证公告，"
            f"然后公布结果（承诺 {row.commitment[:16]}…，核验信息见“如何核验”）。",
        )

    @r.post("/draws/{draw_id}/reveal")
    async def reveal(request: Request, session: SessionDep, acc: Worker, draw_id: str) -> Response:
        row = session.get(DrawRow, draw_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"抽取不存在：{draw_id}")
        matter_id = _hearing_or_404(session, row.hearing_id).matter_id
        service.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
        form = await request.form()
        to = _target(form, _matter_page(matter_id))
        try:
            done = draws.reveal_draw(
                session, draw_id=draw_id, now=now(request), **forms.reveal(form)
            )
        except (FormError, service.HearingError) as e:
            session.rollback()
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.draw.reveal", f"hearing_draw:{draw_id}")
        session.commit()
        return back(to, f"已公布抽取结果：抽中 {len(done.selected or [])} 名听证员")

    @r.post("/draws/{draw_id}/abandon")
    async def abandon(request: Request, session: SessionDep, acc: Worker, draw_id: str) -> Response:
        row = session.get(DrawRow, draw_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"抽取不存在：{draw_id}")
        matter_id = _hearing_or_404(session, row.hearing_id).matter_id
        service.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
        form = await request.form()
        to = _target(form, _matter_page(matter_id))
        try:
            reason = forms.abandon(form)
            draws.abandon_draw(
                session, draw_id=draw_id, reason=reason, actor=acc.display_name or acc.username,
                now=now(request),
            )  # fmt: skip
        except (FormError, service.HearingError) as e:
            session.rollback()
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.draw.abandon", f"hearing_draw:{draw_id}", reason)
        session.commit()
        return back(
            to, "已放弃该次承诺：它仍留在证据日志中，并列入公开的抽取记录；现在可以另行承诺"
        )

    @r.post("/{hearing_id}/outcome")
    async def outcome(
        request: Request, session: SessionDep, acc: Worker, hearing_id: str
    ) -> Response:
        h = _hearing_or_404(session, hearing_id)
        service.guard(session, SiteScope.of(acc), matter_id=h.matter_id, write=True)
        form = await request.form()
        to = _target(form, _matter_page(h.matter_id))
        try:
            service.record_outcome(
                session, hearing_id=h.id, now=now(request), **forms.outcome(form)
            )
        except (FormError, service.HearingError) as e:
            session.rollback()
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.outcome", f"hearing:{h.id}")
        session.commit()
        return back(to, "已记录听证结果")

    @r.post("/{hearing_id}/cancel")
    async def cancel(
        request: Request, session: SessionDep, acc: Worker, hearing_id: str
    ) -> Response:
        h = _hearing_or_404(session, hearing_id)
        service.guard(session, SiteScope.of(acc), matter_id=h.matter_id, write=True)
        form = await request.form()
        to = _target(form, _matter_page(h.matter_id))
        try:
            service.cancel(session, hearing_id=h.id, reason=forms.cancel(form), actor=acc.username)
        except (FormError, service.HearingError) as e:
            session.rollback()
            return back(to, str(e), error=True)
        _audit(session, request, acc, "hearing.cancel", f"hearing:{h.id}")
        session.commit()
        return back(to, "已取消听证")

    return r


def _matter_ctx(
    request: Request, session: Session, acc: Current | None, matter_id: str, here: str
) -> dict[str, Any]:
    return {
        "matter_id": matter_id,
        "hearings": overview.hearings_of(
            session, matter_id, public_url=_public_url(request), now=now(request)
        ),
        "can_edit": acc is not None and acc.role in EDITORS,
        "acc": acc,
        "back": here if BACK.fullmatch(here) else _matter_page(matter_id),
        "full": False,
    }
