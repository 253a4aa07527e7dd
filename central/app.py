"""``create_app(settings)``: the FastAPI application. Nothing is created at import time.

The app does not migrate the database (``zhifang central migrate`` / ``serve`` do) and
does not run ingest (``central.ingest.runner.run_ingest``, started by ``serve``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine, text

from .database import make_engine, make_session_factory
from .settings import Settings


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    from .console.views import make_router as console_router
    from .devices.api import router as devices
    from .dossier.api import persons, receptions
    from .evidence.api import router as evidence
    from .evidence.service import make_service as evidence_service
    from .ingest.api import quarantine, stats
    from .workflow.api import router as matters

    app = FastAPI(title="智访 Zhifang central", version="0.1.0")
    app.state.settings = settings
    app.state.engine = engine if engine is not None else make_engine(settings)
    app.state.sessions = make_session_factory(app.state.engine)
    app.state.evidence = evidence_service(settings.data_dir)
    routers = (devices, receptions, persons, matters, evidence, quarantine, stats)
    for router in (*routers, console_router()):
        app.include_router(router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    return app
