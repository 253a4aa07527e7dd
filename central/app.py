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
    from fastapi import Depends

    from .accounts.web import install as install_accounts
    from .accounts.web import viewer
    from .awareness.api import router as awareness
    from .awareness.views import make_router as awareness_pages
    from .console.views import make_router as console_router
    from .devices.api import router as devices
    from .dossier.api import persons, receptions
    from .evidence.api import router as evidence
    from .evidence.binding import UploadLimits
    from .evidence.service import make_service as evidence_service
    from .hearings import api as hearings
    from .identity.api import router as identity
    from .ingest.api import quarantine, stats
    from .legal.api import make_routers as legal_routers
    from .plans.api import make_routers as plan_routers
    from .sharing import api as sharing
    from .similar.api import router as similar
    from .static import mount_static
    from .workflow.api import router as matters

    app = FastAPI(title="智访 Zhifang central", version="0.1.0")
    app.state.settings = settings
    app.state.engine = engine if engine is not None else make_engine(settings)
    app.state.sessions = make_session_factory(app.state.engine)
    app.state.evidence = evidence_service(
        settings.data_dir, limits=UploadLimits.from_settings(settings)
    )
    legal_public, legal_staff = legal_routers()
    plans_staff, plans_organs = plan_routers()
    # boxes, organs (by token), the petitioner's pages and the published draw record
    public = (devices, receptions, persons, matters, evidence, identity, quarantine, stats,
              legal_public, sharing.organ, plans_organs, hearings.public)  # fmt: skip
    # staff only: a logged-in account (anonymous reads are allowed in development only)
    staff = (legal_staff, similar, hearings.router, hearings.make_console_router(),
             sharing.admin, plans_staff, awareness, awareness_pages())  # fmt: skip
    for router in (*public, console_router()):
        app.include_router(router)
    for router in staff:
        app.include_router(router, dependencies=[Depends(viewer())])
    mount_static(app)
    install_accounts(app)  # the logged-in account is the actor of every audited action

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    return app
