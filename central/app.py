"""``create_app(settings)``: the FastAPI application. Nothing is created at import time.

The app does not migrate the database (``zhifang central migrate`` / ``serve`` do) and
does not run ingest (``central.ingest.runner.run_ingest``, started by ``serve``).

Every route declares who may call it (``central.access``); ``create_app`` refuses to
build an app with a route that does not, and the access middleware answers 404 to a
request for a path no declared route serves. There is no switch that turns this off.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from sqlalchemy import Engine, text

from .access.gates import PUBLIC, Kind, Reader
from .access.middleware import AccessMiddleware
from .access.routes import declared
from .accounts.authn import StaffAuthenticator
from .alerts.service import raise_foreign_reception
from .api.routers import routers as api_routers
from .console import errors
from .console.views import STATIC_PATH, mount_static
from .console.views import routers as page_routers
from .database import make_engine, make_session_factory
from .devices.authn import BoxAuthenticator, ProvisionerAuthenticator
from .evidence.binding import UploadLimits
from .evidence.service import make_service as evidence_service
from .openapi import describe_errors
from .settings import Settings
from .sharing.authn import OrganAuthenticator
from .workflow.config import WorkflowConfig


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    # the API description is for staff (GET /api/openapi.json), not the whole world
    app = FastAPI(
        title="智访 Zhifang central", version="0.1.0", openapi_url=None, docs_url=None,
        redoc_url=None,
    )  # fmt: skip
    app.state.settings = settings
    # the site's rules, calendar and risk files, loaded once: every path uses these
    app.state.workflow_config = WorkflowConfig.from_settings(settings)
    app.state.engine = engine if engine is not None else make_engine(settings)
    app.state.sessions = make_session_factory(app.state.engine)
    app.state.evidence = evidence_service(
        settings.data_dir,
        limits=UploadLimits.from_settings(settings),
        on_foreign=raise_foreign_reception,
    )
    for router in (*api_routers(), *page_routers()):
        app.include_router(router)
    mount_static(app)

    @app.get("/healthz", tags=["health"], dependencies=[Depends(PUBLIC)])
    def healthz() -> dict[str, str]:
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/", include_in_schema=False, dependencies=[Depends(PUBLIC)])
    def root() -> RedirectResponse:
        return RedirectResponse("/console/")

    @app.get("/api/openapi.json", include_in_schema=False)
    def staff_openapi(acc: Reader) -> dict[str, Any]:
        return app.openapi()

    errors.install(app)
    describe_errors(app)  # before anyone asks for app.openapi()
    app.state.authenticators = {
        Kind.box: BoxAuthenticator(),
        Kind.organ: OrganAuthenticator(),
        Kind.provisioner: ProvisionerAuthenticator(),
        Kind.staff: StaffAuthenticator(),
    }
    app.state.access_table = declared(app, public_mounts=frozenset({STATIC_PATH}))
    app.add_middleware(
        AccessMiddleware,
        table=app.state.access_table,
        authenticators=app.state.authenticators,
        denied_page=errors.denied_page,
    )
    return app
