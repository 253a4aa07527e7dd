"""A whole site for end-to-end tests: a private broker, central's ingest as a
process of its own, and boxes as processes of their own, so that each can be
killed the way a power cut or a crash kills it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from central.ingest.models import Event, Quarantine
from tests.auth import production_env
from tests.databases import pg_schema_url
from tests.e2e.harness import Broker, zhifang

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        yield from pg_schema_url("zf_e2e")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop(signal.SIGKILL)


def wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@dataclass
class Site:
    """Central (ingest process) + the boxes of one test, all on ``broker``."""

    tmp: Path
    db_url: str
    broker: Broker
    site: str = field(default_factory=lambda: f"s{uuid.uuid4().hex[:8]}")
    central: subprocess.Popen[bytes] | None = None
    boxes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _engine: Engine | None = None
    _command_key: str | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **production_env(),
            "ZHIFANG_DATABASE_URL": self.db_url,
            "ZHIFANG_DATA_DIR": str(self.tmp / "central"),
            "ZHIFANG_MQTT_PORT": str(self.broker.port),
            "ZHIFANG_INGEST_CLIENT_ID": f"ingest-{self.site}",
            "ZHIFANG_INGEST_GROUP": self.site,
            "ZHIFANG_GAP_GRACE_S": "1.0",
            "ZHIFANG_RESEND_BACKOFF_MAX_S": "5",
        }

    def cli(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "zhifang", *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, f"zhifang {' '.join(args)} failed:\n{out.stderr}"
        return out.stdout

    @property
    def command_key(self) -> str:
        """Central's command key (made by the first call, before central starts)."""
        if self._command_key is None:
            self._command_key = self.cli("central", "command-key", "show").strip().splitlines()[-1]
        return self._command_key

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.db_url)
        return self._engine

    def start_central(self, **env: str) -> None:
        self.central = zhifang("central", "ingest", env={**self.env, **env})

    def kill_central(self) -> None:
        assert self.central is not None
        self.central.send_signal(signal.SIGKILL)
        self.central.wait(10)

    def box_config(self, name: str, *, port: int | None = None) -> Path:
        d = self.tmp / name
        d.mkdir(parents=True, exist_ok=True)
        cfg = d / "box.toml"
        cfg.write_text(
            f'site = "{self.site}"\ndevice = "{name}"\ndata_dir = "{d}"\n'
            f'central_command_keys = ["{self.command_key}"]\n\n'
            f'[mqtt]\nhost = "127.0.0.1"\nport = {port or self.broker.port}\n'
            f"reconnect_min_s = 0.2\nreconnect_max_s = 2\nretry_rejected_s = 1\n"
            "allow_plain_mqtt = true\n"  # the test broker has no TLS
        )
        return cfg

    def add_box(self, name: str, *, port: int | None = None) -> Path:
        cfg = self.box_config(name, port=port)
        key = self.cli("appliance", "keygen", "--config", str(cfg)).strip().splitlines()[-1]
        self.cli("central", "device", "add", name, "--site", self.site, "--public-key", key)
        return cfg

    def run_box(self, cfg: Path, *extra: str) -> subprocess.Popen[bytes]:
        p = zhifang("appliance", "run", "--config", str(cfg), *extra, env=self.env)
        self.boxes.append(p)
        return p

    # --- what central holds ------------------------------------------------------

    def events(self, device: str) -> int:
        with self.engine.connect() as c:
            return int(c.scalar(select(func.count()).where(Event.device == device)) or 0)

    def seqs(self, device: str) -> list[int]:
        with self.engine.connect() as c:
            return list(
                c.scalars(select(Event.seq).where(Event.device == device).order_by(Event.seq))
            )

    def distinct_event_ids(self, device: str) -> int:
        with self.engine.connect() as c:
            q = select(func.count(func.distinct(Event.event_id))).where(Event.device == device)
            return int(c.scalar(q) or 0)

    def quarantine(self) -> list[tuple[str, str]]:
        with self.engine.connect() as c:
            return [(r.reason, r.detail) for r in c.execute(select(Quarantine))]

    def close(self) -> None:
        for p in [*self.boxes, self.central]:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if self._engine is not None:
            self._engine.dispose()


def box_outbox_seq(cfg: Path) -> int:
    """The last seq the box committed (read straight from its outbox file)."""
    db = cfg.parent / "outbox.sqlite3"
    with sqlite3.connect(db) as c:
        return int(c.execute("select coalesce(max(seq), 0) from outbox").fetchone()[0])


@pytest.fixture
def site(tmp_path: Path, db_url: str, broker: Broker) -> Iterator[Site]:
    s = Site(tmp_path, db_url, broker)
    s.cli("central", "migrate")
    assert s.command_key  # made now: the ingest process starting later loads this one
    yield s
    s.close()


__all__ = ["Site", "box_outbox_seq", "text", "wait_for"]
