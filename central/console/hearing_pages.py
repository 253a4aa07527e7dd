"""The console's hearing pages (server-rendered, zh-CN).

* ``/console/hearings/`` — every hearing, newest first;
* ``/console/hearings/registry`` — the registry of hearing officers and their
  conflicts; officers read it, leaders and admins change it (the pool a panel is drawn
  from must not be shaped by whoever handles the matter);
* ``/console/hearings/panel?matter_id=…`` — the fragment the matter page loads: each
  hearing with its schedule, invitation, draw (commit → reveal → result and how to
  verify it), participants and outcome, and a form to schedule one;
* ``/console/hearings/matters/{matter_id}`` — the same fragment as a page of its own;
* ``/console/hearings/{hearing_id}`` — one hearing with every candidate's chance.

The public notice of a hearing (no login) is ``hearing_notice.py``'s
``/hearings/{hearing_id}``; the forms these pages post are ``hearing_actions.py``'s.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from central.access.gates import Reader, Worker
from central.access.scope import SiteScope
from central.accounts.service import Current
from central.alerts.service import unread_count
from central.console import hearing_forms as forms
from central.console.templating import TEMPLATES as CONSOLE_TEMPLATES
from central.console.templating import install
from central.deps import SessionDep
from central.hearings import overview, service
from central.hearings.clock import now
from central.hearings.models import HearingRow

EDITORS = ("officer", "leader", "admin")
KEEPERS = ("leader", "admin")  # who may change the registry
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
    count = unread_count(session, username=acc.username) if acc is not None else 0
    data = {"acc": acc, "alert_count": count, **ctx}
    return templates().TemplateResponse(request, name, data, status_code=status_code)


def public_url(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return settings.public_url if settings else str(request.base_url)


def matter_page(matter_id: str) -> str:
    return f"/console/matters/{quote(matter_id, safe='')}"


def hearing_or_404(session: Session, hearing_id: str) -> HearingRow:
    try:
        return service.get_hearing(session, hearing_id)
    except service.HearingError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e


router = APIRouter(prefix="/console/hearings", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, acc: Worker) -> HTMLResponse:
    ctx = {"hearings": overview.upcoming(session)}
    return _page(request, "hearings/index.html", ctx, session=session, acc=acc)


@router.get("/registry", response_class=HTMLResponse)
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


@router.get("/panel", response_class=HTMLResponse)
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
    ctx = _matter_ctx(request, session, acc, matter_id, back or matter_page(matter_id))
    return templates().TemplateResponse(request, "hearings/_panel.html", ctx)


@router.get("/matters/{matter_id}", response_class=HTMLResponse)
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


@router.get("/{hearing_id}", response_class=HTMLResponse)
def hearing(
    request: Request,
    session: SessionDep,
    acc: Worker,
    hearing_id: str,
    msg: str = "",
    error: str = "",
    reason: str = "",
) -> HTMLResponse:
    h = hearing_or_404(session, hearing_id)
    scope = SiteScope.of(acc, reason=reason)
    service.guard(session, scope, hearing_id=hearing_id, write=False)
    ctx = {
        "h": overview.hearing(
            session, h, public_url=public_url(request), now=now(request), full=True
        ),
        "can_edit": acc.role in EDITORS,
        "acc": acc,
        "back": f"/console/hearings/{h.id}",
        "full": True,
        "msg": msg,
        "error": error,
    }
    return _page(request, "hearings/hearing.html", ctx, session=session, acc=acc)


def _matter_ctx(
    request: Request, session: Session, acc: Current | None, matter_id: str, here: str
) -> dict[str, Any]:
    return {
        "matter_id": matter_id,
        "hearings": overview.hearings_of(
            session, matter_id, public_url=public_url(request), now=now(request)
        ),
        "can_edit": acc is not None and acc.role in EDITORS,
        "acc": acc,
        "back": here if BACK.fullmatch(here) else matter_page(matter_id),
        "full": False,
    }
