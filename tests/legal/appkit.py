"""A bare app with just the routers under test, wired the way ``create_app`` does it
(independent of other domains' routers, which may be mid-change)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine

from central.database import make_session_factory
from central.evidence.service import make_service
from central.settings import Settings


def make_app(settings: Settings, engine: Engine, *routers: APIRouter) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.evidence = make_service(settings.data_dir)
    for r in routers:
        app.include_router(r)
    return app
