"""Fixtures: every database test of awareness runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.database import make_engine, make_session_factory, migrate
from central.settings import Settings
from tests.awareness.seed import NOW, Seeded, seed
from tests.databases import pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url("zf_awareness")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(environment="development", database_url=db_url, data_dir=tmp_path)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings, write_immediate=True)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    return seed(sessions)


def make_app(settings: Settings, engine: Engine) -> FastAPI:
    """Central's app, as served (awareness router, pages and /static included)."""
    from central.app import create_app
    from central.workflow.api import get_now

    app = create_app(settings, engine=engine)  # mounts awareness and /static
    app.dependency_overrides[get_now] = lambda: NOW
    return app


@pytest.fixture
def client(settings: Settings, engine: Engine, seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(make_app(settings, engine)) as c:
        yield c
