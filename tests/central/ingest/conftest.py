"""Fixtures for central's tests: every DB test runs on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh schema of their own (dropped afterwards, see
``tests/databases.py``), so they can run next to other tests in the same database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.database import make_engine, make_session_factory
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.ingest.ingestor import Ingestor
from central.ingest.projection import IdKeys
from central.settings import Settings
from tests.auth import production_settings
from tests.central.helpers import Box
from tests.databases import Migrated, pg_schema_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url(prefix="zf_central")


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    tag = uuid.uuid4().hex[:10]
    return production_settings(
        database_url=db_url,
        data_dir=tmp_path,
        ingest_group=f"t{tag}",
        ingest_client_id=f"zf-test-ingest-{tag}",
        gap_grace_s=2.0,
        mqtt_session_expiry_s=300,
    )


@pytest.fixture
def engine(settings: Settings, migrated: Migrated) -> Iterator[Engine]:
    migrated.fill(settings.db_url)  # all heads, copied (see tests/databases.py)
    eng = make_engine(settings, write_immediate=True)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def ingestor(sessions: sessionmaker[Session], settings: Settings) -> Ingestor:
    return Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
    )


@pytest.fixture
def box(sessions: sessionmaker[Session]) -> Box:
    b = Box(name=f"box-{uuid.uuid4().hex[:8]}", site="minhou")
    with sessions.begin() as s:
        devices.register(s, data=DeviceCreate(name=b.name, site=b.site, public_key=b.public_key))
    return b
