"""Database fixtures: every persistence test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a schema of their own (dropped afterwards), next to other
helpers' tests in the shared ``test`` database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.database import make_engine, make_session_factory
from central.settings import Settings
from tests.auth import production_settings
from tests.databases import Migrated, pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url("zf_workflow")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return production_settings(database_url=db_url, data_dir=tmp_path)


@pytest.fixture
def engine(settings: Settings, migrated: Migrated) -> Iterator[Engine]:
    migrated.fill(settings.db_url)  # all heads, copied (see tests/databases.py)
    eng = make_engine(settings, write_immediate=True)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
