"""A provisioned site for real: Mosquitto on the generated config, central with ingest."""

from __future__ import annotations

import os
import signal
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.app import create_app
from central.database import make_engine, make_session_factory, migrate
from central.devices import credentials
from central.devices.control import load_command_key
from central.ingest.models import Event, Quarantine
from central.ingest.runner import run_ingest
from central.settings import Settings
from protocol import keys
from provisioning.broker import BrokerOptions, write_broker_config
from provisioning.central_api import CentralDevices
from provisioning.site import Site, SiteConfig
from tests.appliance.brokers import MOSQUITTO, Mosquitto, free_port
from tests.appliance.conftest import wait_for
from tests.auth import production_settings, staff_client


class ProvisionedBroker(Mosquitto):
    """``mosquitto -c`` on the file ``zhifang provision broker-config`` wrote."""

    def __init__(self, site: Site, folder: Path) -> None:
        if not Path(MOSQUITTO).exists():
            pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
        self.site, self.folder, self.workdir = site, folder, folder
        self.port = site.config.broker_port
        opts = BrokerOptions(
            port=self.port,
            bind="127.0.0.1",
            persistence_dir=folder / "data",
            # as root Mosquitto drops to 'mosquitto', who cannot enter pytest's tmp dirs
            run_as="root" if os.geteuid() == 0 else None,
        )
        (folder / "data").mkdir(parents=True, exist_ok=True)
        self.conf = write_broker_config(site, folder, opts)
        self.proc = None

    def start(self) -> ProvisionedBroker:
        super().start()
        return self

    def reload(self) -> None:
        """SIGHUP (``systemctl reload mosquitto``): re-reads the CRL and ACL."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGHUP)


def connect_result(
    port: int, ca: Path, cert: Path | None = None, key: Path | None = None, timeout: float = 8
) -> str:
    """'connected', or why not: how a client with these credentials fares."""
    done = threading.Event()
    result: list[str] = []
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
    )
    c.tls_set(
        ca_certs=str(ca), certfile=str(cert) if cert else None, keyfile=str(key) if key else None
    )

    def on_connect(_c: Any, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        result.append("connected" if not rc.is_failure else f"refused {rc}")
        done.set()

    def on_disconnect(_c: Any, _u: Any, _f: Any, rc: Any, _p: Any) -> None:
        result.append(f"disconnected {rc}")
        done.set()

    c.on_connect, c.on_disconnect = on_connect, on_disconnect
    try:
        c.connect("127.0.0.1", port, keepalive=10)
    except (OSError, ssl.SSLError) as e:
        return f"tls error {e}"
    c.loop_start()
    try:
        if not done.wait(timeout):
            return "no answer"
        return result[0]
    finally:
        c.disconnect()
        c.loop_stop()


@dataclass
class Central:
    """Central on SQLite: the HTTP API in-process (TestClient), ingest on a thread."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    http: TestClient  # logged in as an admin of the site
    token: str  # the site's provisioning credential
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    ready: threading.Event = field(default_factory=threading.Event)
    failed: list[BaseException] = field(default_factory=list)

    def devices(self) -> CentralDevices:
        return CentralDevices("http://testserver", client=self.http, token=self.token)

    def start_ingest(self) -> None:
        self.stop_event, self.ready = threading.Event(), threading.Event()

        def run() -> None:
            try:
                run_ingest(self.settings, self.stop_event, engine=self.engine, ready=self.ready)
            except BaseException as e:
                self.failed.append(e)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.ready.is_set() or bool(self.failed), 20, "ingest subscribed")
        assert not self.failed, self.failed

    def stop_ingest(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(10)

    def events(self, device: str) -> int:
        with self.sessions() as s:
            q = select(func.count()).select_from(Event).where(Event.device == device)
            return int(s.scalar(q) or 0)

    def quarantined(self, device: str | None = None) -> list[tuple[str | None, str]]:
        with self.sessions() as s:
            rows = s.execute(select(Quarantine.device, Quarantine.reason)).all()
        return [(d, r) for d, r in rows if device is None or d == device]


def make_site(tmp_path: Path, *devices: str) -> Site:
    cfg = SiteConfig(name="minhou", broker_hosts=["127.0.0.1"], broker_port=free_port())
    site = Site.init(tmp_path / "site", cfg)
    for d in devices:
        site.add_device(d)
    return site


def make_central(tmp_path: Path, site: Site) -> Central:
    tag = uuid.uuid4().hex[:8]
    settings = production_settings(
        data_dir=tmp_path / "central",
        database_url=f"sqlite:///{tmp_path / 'central.db'}",
        mqtt_host="127.0.0.1",
        mqtt_port=site.config.broker_port,
        mqtt_tls_ca=site.ca_cert,
        mqtt_tls_cert=site.ingest_cert,
        mqtt_tls_key=site.ingest_key,
        ingest_client_id=f"zf-prov-{tag}",
        ingest_group=f"g{tag}",
        mqtt_session_expiry_s=600,
    )
    engine = make_engine(settings, write_immediate=True)
    migrate(engine)
    sessions = make_session_factory(engine)
    # the boxes' bundles pin the key this central signs its commands with
    site.pin_central_key(keys.public_key_b64(load_command_key(settings)))
    app = create_app(settings, engine=engine)
    with sessions.begin() as s:  # issued by central's operator, kept by the installer
        _cid, token = credentials.issue(s, site=site.name, label="tests", actor="cli:test")
    http = staff_client(app, sessions, "site-admin", "admin", site.name)
    return Central(settings, engine, sessions, http, token)
