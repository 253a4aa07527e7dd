"""The progress lookup as JSON (thin: parse, call ``service.lookup``, answer). The
petitioner's page, ``/progress``, is ``central.console.progress_pages``.

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
from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session, sessionmaker

from central.access.gates import PUBLIC, BoxCaller
from central.api.workflow import ConfigDep, NowDep
from central.progress import service, throttle
from central.progress.service import Caller, NotFound, Throttled
from protocol.progress import NOT_FOUND_ZH, ProgressQuery, ProgressStatus

ACTOR = "progress-lookup"

router = APIRouter(tags=["progress"])


def _address(request: Request) -> str:
    # behind a reverse proxy on this host, uvicorn takes the address from X-Forwarded-For
    return request.client.host if request.client else "unknown"


def public_caller(request: Request) -> Caller:
    addr = _address(request)
    return Caller(throttle.ADDRESS, addr, ACTOR, addr)


def lookup(
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


def retry_after(until: datetime, now: datetime) -> str:
    return str(max(1, math.ceil((until - now).total_seconds())))


def _json(run: Callable[[], ProgressStatus], now: datetime) -> Response:
    try:
        found = run()
    except NotFound:
        return JSONResponse({"detail": NOT_FOUND_ZH}, status_code=status.HTTP_404_NOT_FOUND)
    except Throttled as e:
        return JSONResponse(
            {"detail": str(e)}, status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": retry_after(e.until, now)},
        )  # fmt: skip
    return JSONResponse(found.model_dump(mode="json"))


@router.post("/api/progress", dependencies=[Depends(PUBLIC)], response_model=ProgressStatus)
def progress_json(request: Request, q: ProgressQuery, config: ConfigDep, now: NowDep) -> Response:
    return _json(lambda: lookup(request, public_caller(request), q, config, now), now)


@router.post("/api/box/progress", response_model=ProgressStatus)
def progress_box(
    request: Request, q: ProgressQuery, box: BoxCaller, config: ConfigDep, now: NowDep
) -> Response:
    caller = Caller(throttle.BOX, box.device, box.actor, _address(request))
    return _json(lambda: lookup(request, caller, q, config, now), now)
