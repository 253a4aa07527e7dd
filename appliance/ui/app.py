"""HTTP for the touchscreen: pages, form posts (post → redirect → get) and ``/api/state``.

The screens' handlers live in ``routes/`` (one module per group of screens) and share
``kiosk.Kiosk``. Every POST is guarded (``guard.KioskGuard``: CSRF token and Origin).
Served on loopback only, for the kiosk browser on the same box.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .desk import Desk
from .guard import CsrfRefused, KioskGuard
from .kiosk import Kiosk
from .routes import biometrics, finish, officer, petitioner, procedure, visitor

HERE = Path(__file__).parent


def create_app(desk: Desk, *, watchdog: Any = None, guard: KioskGuard | None = None) -> FastAPI:
    """The kiosk app; ``watchdog`` (``firmware_glue.watchdog.Watchdog``) is pinged from
    the event loop, so a hung server is restarted by systemd."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if watchdog is None:
            yield
            return
        from firmware_glue.watchdog import watch_event_loop

        def status() -> str:
            st = desk.state()
            busy = "接待中" if st["reception_id"] else "空闲"
            return f"{busy}，待上传 {st['upload_pending']}，{'离线' if st['offline'] else '在线'}"

        task = asyncio.create_task(watch_event_loop(watchdog, status=status))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    guard = guard or KioskGuard()
    app = FastAPI(
        title="智访 接待终端",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        dependencies=[Depends(guard.check_token)],
    )
    app.state.desk, app.state.guard = desk, guard
    app.middleware("http")(guard.middleware)

    @app.exception_handler(CsrfRefused)
    async def refused(request: Request, e: CsrfRefused) -> Response:
        return guard.refused(request, e)

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    k = Kiosk(desk, Jinja2Templates(directory=HERE / "templates"), guard)
    for screens in (officer, procedure, visitor, finish, biometrics, petitioner):
        screens.add_routes(app, k)
    return app
