"""Fixtures: a seeded site (central's db_url/settings/engine/sessions come from
tests/conftest.py, so every test here runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings
from tests.auth import staff_client
from tests.central.awareness.seed import NOW, Seeded, seed


@pytest.fixture
def seeded(sessions: sessionmaker[Session]) -> Seeded:
    return seed(sessions)


def make_app(settings: Settings, engine: Engine) -> FastAPI:
    """Central's app, as served (awareness router, pages and the console static files included)."""
    from central.api.workflow import get_now
    from central.app import create_app

    app = create_app(settings, engine=engine)  # mounts awareness and the static files
    app.dependency_overrides[get_now] = lambda: NOW
    return app


@pytest.fixture
def client(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], seeded: Seeded
) -> Iterator[TestClient]:
    """Logged in as an admin of every site (the seed spans two townships of one site)."""
    with staff_client(make_app(settings, engine), sessions, "test-admin", "admin", "*") as c:
        yield c
