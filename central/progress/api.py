"""Routes of the progress lookup (all thin: parse, call ``service.lookup``, answer).

* ``GET /progress``, ``POST /progress``: the petitioner's page (public, phone-first).
  The form posts and the answer is rendered in place, so the 查询码 never sits in a URL
  (browser history, a proxy's access log).
* ``POST /api/progress``: the same as JSON (public): 200 ``ProgressStatus``; 404 for an
  unknown 文号 and a wrong code alike; 429 with ``Retry-After`` when throttled.
* ``POST /api/box/progress``: the box's device-signed request (the 回执's QR code read
  at the desk), throttled per box instead of per address. Any site's 文号: the answer
  is what the 回执 opens for anybody.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from central.access.gates import PUBLIC, BoxCaller
from central.workflow.api import ConfigDep, NowDep
from protocol.petitions import CHANNEL_ZH
from protocol.progress import NOT_FOUND_ZH, ProgressQuery, ProgressStatus

from . import service, throttle
from .service import Caller, NotFound, Throttled

HERE = Path(__file__).with_name("templates")
ACTOR = "progress-lookup"

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["progress"])


@cache
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE))
    t.env.filters["day"] = lambda d: f"{d.year}年{d.month}月{d.day}日" if d else ""
    t.env.globals["CHANNEL_ZH"] = CHANNEL_ZH
    return t


def _address(request: Request) -> str:
    # behind a reverse proxy on this host, uvicorn takes the address from X-Forwarded-For
    return request.client.host if request.client else "unknown"


def _public(request: Request) -> Caller:
    addr = _address(request)
    return Caller(throttle.ADDRESS, addr, ACTOR, addr)


def _run(
    request: Request, caller: Caller, q: ProgressQuery, config: Any, now: datetime
) -> ProgressStatus:
    app = request.app
    sessions: sessionmaker[Session] = app.state.sessions
    with sessions() as s:
        return service.lookup(
            s, ref_no=q.ref_no, query_code=q.query_code, caller=caller,
            limits=throttle.Limits.of(getattr(app.state, "settings", None)), config=config,
            directory=app.state.workflow_config.sites, now=now,
        )  # fmt: skip


def _retry_after(until: datetime, now: datetime) -> str:
    return str(max(1, math.ceil((until - now).total_seconds())))


def _json(run: Callable[[], ProgressStatus], now: datetime) -> Response:
    try:
        found = run()
    except NotFound:
        return JSONResponse({"detail": NOT_FOUND_ZH}, status_code=status.HTTP_404_NOT_FOUND)
    except Throttled as e:
        return JSONResponse(
            {"detail": str(e)}, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": _retry_after(e.until, now)},
        )  # fmt: skip
    return JSONResponse(found.model_dump(mode="json"))


@api.post("/api/progress", dependencies=[Depends(PUBLIC)], response_model=ProgressStatus)
def progress_json(request: Request, q: ProgressQuery, config: ConfigDep, now: NowDep) -> Response:
    return _json(lambda: _run(request, _public(request), q, config, now), now)


@api.post("/api/box/progress", response_model=ProgressStatus)
def progress_box(
    request: Request, q: ProgressQuery, box: BoxCaller, config: ConfigDep, now: NowDep
) -> Response:
    caller = Caller(throttle.BOX, box.device, box.actor, _address(request))
    return _json(lambda: _run(request, caller, q, config, now), now)


def _page(request: Request, code: int = 200, **ctx: Any) -> HTMLResponse:
    base = {"ref_no": "", "error": "", "found": None}
    return templates().TemplateResponse(request, "progress/page.html", base | ctx, code)


@router.get("/progress", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
def progress_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/progress", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
def progress_page(
    request: Request,
    config: ConfigDep,
    now: NowDep,
    ref_no: Annotated[str, Form()] = "",
    query_code: Annotated[str, Form()] = "",
) -> HTMLResponse:
    ref, code = ref_no.strip()[:80], query_code.strip()[:32]
    if not ref or not code:
        missing = "文号" if not ref else "查询码"
        return _page(request, 422, ref_no=ref, error=f"请填写{missing}（见回执）。")
    try:
        found = _run(request, _public(request), ProgressQuery(ref_no=ref, query_code=code),
                     config, now)  # fmt: skip
    except NotFound:
        return _page(request, 404, ref_no=ref, error=NOT_FOUND_ZH)
    except Throttled as e:
        page = _page(request, 429, ref_no=ref, error=str(e))
        page.headers["Retry-After"] = _retry_after(e.until, now)
        return page
    return _page(request, ref_no=ref, found=found)
