"""The web console (server-rendered, zh-CN): recent receptions, one person's timeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.deps import ActorDep, SessionDep, SettingsDep
from central.dossier import service as dossier

TEMPLATES = Path(__file__).with_name("templates")

RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
KIND_ZH = {"walk_in": "来访", "leader": "领导接访", "group": "集体访", "online": "网上"}
RISK_ZH = {"low": "低", "medium": "中", "high": "高"}
STEP_ZH = {
    "register": "登记",
    "notify": "告知",
    "accept": "受理",
    "decline": "不予受理",
    "transfer": "转办",
    "handle": "办理",
    "reply": "答复",
    "review": "复查",
    "re_review": "复核",
    "supervise": "督办",
    "archive": "立卷归档",
}


def make_router() -> APIRouter:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.globals.update(
        rating_zh=RATING_ZH, kind_zh=KIND_ZH, risk_zh=RISK_ZH, step_zh=STEP_ZH
    )
    router = APIRouter(prefix="/console", include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def home(
        request: Request, session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> HTMLResponse:
        receptions = dossier.recent_receptions(session, limit=limit)
        return templates.TemplateResponse(request, "receptions.html", {"receptions": receptions})

    @router.get("/persons/{person_id}", response_class=HTMLResponse)
    def person(
        person_id: str,
        request: Request,
        session: SessionDep,
        settings: SettingsDep,
        actor: ActorDep,
        reason: str = "",
    ) -> HTMLResponse:
        try:
            timeline = dossier.person_timeline(
                session,
                person_id=person_id,
                actor=actor,
                reason=reason or "控制台查阅",
                client=request.client.host if request.client else None,
                enc_key=settings.id_enc_key_bytes,
            )
        except dossier.NotFound as e:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
        session.commit()
        return templates.TemplateResponse(request, "person.html", {"t": timeline})

    return router
