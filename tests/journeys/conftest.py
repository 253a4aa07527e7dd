"""One central and one broker per test module and database (SQLite, PostgreSQL): the
journeys of a module share them, as the desks of one site share their central."""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.app import create_app
from central.database import make_engine, make_session_factory, migrate
from central.ingest.control import load_command_key
from central.ingest.runner import run_ingest
from protocol import keys
from tests.auth import production_settings
from tests.browser import serve
from tests.databases import pg_schema_url
from tests.e2e.harness import Broker

from .site import SITE, World, add_people

pytestmark = pytest.mark.browser


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"journeys-{request.param}")
    pg = pg_schema_url("zf_journeys") if request.param == "postgres" else None
    db_url = next(pg) if pg else f"sqlite:///{tmp / 'central.db'}"
    broker = Broker(tmp / "broker")
    broker.start()
    settings = production_settings(
        database_url=db_url,
        data_dir=tmp / "central",
        mqtt_port=broker.port,
        ingest_client_id=f"ingest-{uuid.uuid4().hex[:8]}",
        ingest_group=f"journeys-{uuid.uuid4().hex[:8]}",
        ingest_sites=(SITE,),
        gap_grace_s=1.0,
        resend_backoff_max_s=2.0,
    )
    engine = make_engine(settings)
    stop = threading.Event()
    try:
        migrate(engine)
        sessions = make_session_factory(engine)
        add_people(sessions)
        command_key = keys.public_key_b64(load_command_key(settings))
        ready = threading.Event()
        ingest = threading.Thread(
            target=run_ingest, args=(settings, stop), kwargs={"ready": ready}, daemon=True
        )
        ingest.start()
        assert ready.wait(20), "central's ingest did not subscribe"
        with serve(create_app(settings, engine=engine)) as url:
            yield World(tmp, settings, sessions, engine, url, broker, command_key, request.param)
        stop.set()
        ingest.join(15)
    finally:
        stop.set()
        engine.dispose()
        broker.stop(signal.SIGKILL)
        if pg:
            pg.close()  # type: ignore[attr-defined]  # a generator: drops the schema


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screens are saved (``$ZHIFANG_UI_SHOTS`` to keep them)."""
    import os

    d = Path(os.environ.get("ZHIFANG_UI_SHOTS") or tmp_path_factory.mktemp("shots"))
    d.mkdir(parents=True, exist_ok=True)
    return d
