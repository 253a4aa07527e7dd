"""Every page of central (server-rendered, zh-CN): ``routers()`` gathers them, the
console's under ``/console`` and the few public ones (``/legal/``, ``/progress``, a
hearing's notice ``/hearings/{id}``).

Pages: login, home, person search, the dossier, a reception, a matter with its clock
and next steps and, beside it, legal references, similar matters, coordinated plans
(with the leader's forms), other organs' additions and hearings; the leader's
supervision and review queues, alerts (with a server-sent event stream), KPIs, the
audit log for auditors, and 系统管理 for admins (accounts, desks, organs and tokens).
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from . import (
    admin_desk_pages,
    admin_pages,
    alert_pages,
    awareness_pages,
    document_pages,
    dossier_pages,
    hearing_actions,
    hearing_notice,
    hearing_pages,
    import_pages,
    intake_pages,
    leader_pages,
    legal_pages,
    login_pages,
    matter_pages,
    plan_pages,
    progress_pages,
    work_pages,
)
from .templating import TEMPLATES

STATIC = TEMPLATES.with_name("static")
STATIC_PATH = "/console/static"


def mount_static(app: FastAPI) -> None:
    """The console's own CSS and scripts (no inline script anywhere: the CSP says so)."""
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="console-static")


def make_router() -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)

    for sub in (
        login_pages.router,
        dossier_pages.router,
        matter_pages.router,
        plan_pages.router,
        leader_pages.router,
        alert_pages.router,
        work_pages.router,
        intake_pages.router,
        import_pages.router,
        admin_pages.router,
        admin_desk_pages.router,
        document_pages.router,
    ):
        router.include_router(sub)
    return router


def routers() -> tuple[APIRouter, ...]:
    """The console, and the pages anyone may open."""
    return (
        make_router(), awareness_pages.router, hearing_pages.router, hearing_actions.router,
        legal_pages.router, legal_pages.public, progress_pages.router, hearing_notice.router,
    )  # fmt: skip
