"""Fixtures every test package may use: central on SQLite and on PostgreSQL, run as
production runs it (``tests/auth.py``): production settings, and a ``client`` that
logged in through the login form as an admin of every site.

A package's own conftest.py may override any of them (e.g. ``settings`` with an
ingest group of its own). PostgreSQL runs get a fresh schema per test, named after
the package (see ``tests/databases.py``).

``engine`` is a migrated database: not by running the migrations for every test
(that was most of the suite's time) but by copying what they made once in this
process (``migrated``, see ``tests/databases.py``): the same schema, the same
``alembic_version``. ``db_url`` alone is an empty database, for tests that migrate
it themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.app import create_app
from central.database import make_engine, make_session_factory
from central.settings import Settings
from tests.auth import add_user, login, production_settings
from tests.browser import ARGS, CHROMIUM, need_chromium
from tests.databases import Migrated, pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url(prefix=f"zf_{request.path.parent.name}")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return production_settings(database_url=db_url, data_dir=tmp_path)


@pytest.fixture(scope="session")
def migrated() -> Iterator[Migrated]:
    """The migrated schema, made once per test process; ``migrated.fill(url)`` copies it."""
    m = Migrated()
    yield m
    m.close()


@pytest.fixture
def engine(settings: Settings, migrated: Migrated) -> Iterator[Engine]:
    migrated.fill(settings.db_url)  # what ``migrate`` makes of it, copied
    eng = make_engine(settings, write_immediate=True)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


ADMIN = "test-admin"


@pytest.fixture
def client(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """Logged in as ``test-admin``, an admin of every site (org ``*``), with the
    session's CSRF token on every request. ``anon`` is the same app with nobody."""
    add_user(sessions, ADMIN, "admin", org="*")
    with TestClient(app) as c:
        login(c, ADMIN, send_csrf=True)
        yield c


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, once per test module."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def served(settings: Settings, engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on an engine made as ``create_app`` and ``zhifang central serve`` make it
    (``make_engine``'s defaults), beside the test fixture's. The ``engine`` fixture has
    migrated the database."""
    eng = make_engine(settings)
    yield make_session_factory(eng)
    eng.dispose()
