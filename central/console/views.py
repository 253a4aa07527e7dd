"""The web console (server-rendered, zh-CN): ``make_router()`` gathers its pages.

Pages: login, home, person search, the dossier, a reception, a matter with its clock
and next steps, the leader's supervision and review queues, alerts (with a
server-sent event stream), KPIs, and the audit log for auditors.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from central.accounts import web as accounts_web

from . import alert_pages, dossier_pages, leader_pages, matter_pages
from .templating import TEMPLATES

STATIC = TEMPLATES.with_name("static")


def make_router() -> APIRouter:
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("/static/console.css")
    def css() -> FileResponse:
        return FileResponse(STATIC / "console.css", media_type="text/css")

    for sub in (
        accounts_web.router,
        dossier_pages.router,
        matter_pages.router,
        leader_pages.router,
        alert_pages.router,
    ):
        router.include_router(sub)
    return router
