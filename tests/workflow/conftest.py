"""Database fixtures: every persistence test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a schema of their own (dropped afterwards), next to other
helpers' tests in the shared ``test`` database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.database import make_engine, make_session_factory, migrate
from central.settings import Settings

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_schema() -> Iterator[str]:
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'zhifang[postgres]')")
    try:
        conn = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432/test: {e}")
    schema = f"zf_workflow_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from _pg_schema()


@pytest.fixture
def engine(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    settings = Settings(environment="development", database_url=db_url, data_dir=tmp_path)
    eng = make_engine(settings, write_immediate=True)
    migrate(eng)  # all heads: the foundation and this package's 0003_workflow
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
