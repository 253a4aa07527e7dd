"""One site for the journeys: a Mosquitto of its own, central served over HTTP with its
MQTT ingest running beside it (as ``zhifang central serve`` runs them), the site's
accounts, and desks: real boxes (outbox, device key, MQTT, evidence uploads) whose
touchscreen is served to the browser. Everything is production mode: the staff log in,
the boxes sign their events and requests with registered device keys."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from appliance.box import Box
from appliance.central_client import HttpCentralClient
from appliance.config import parse_config
from appliance.http_auth import DeviceAuth
from appliance.officers import OfficerDirectory, hash_pin
from appliance.recording.recorder import record_synthetic_reception
from appliance.ui.app import create_app as desk_app
from appliance.ui.cli import build_desk
from appliance.ui.config import UiConfig
from appliance.ui.desk import Desk
from appliance.ui.hooks import RecordingStatus, SpoolRecorder
from central.app import create_app
from central.bm25 import warm_up
from central.database import make_engine, make_session_factory, migrate
from central.devices.control import load_command_key
from central.ingest.runner import run_ingest
from central.settings import Settings
from firmware_glue.fakes import FakeRatingPanel
from protocol import keys
from tests.auth import add_user, production_settings, register_box
from tests.browser import serve
from tests.e2e.harness import Broker, CuttableLink

T = TypeVar("T")
SITE = "minhou"
PIN = "246810"
# The site's people: the desk's officer (whose 分管领导 is 张), the 分管领导, the
# on-duty leader and a clerk who registers letters and calls at the console.
OFFICER, LEADER, ON_DUTY, CLERK = "wang", "zhang", "liu", "chen"
NAMES = {OFFICER: "王检察官", LEADER: "张副检察长", ON_DUTY: "刘检察长", CLERK: "陈书记员"}


def wait_for(what: str, check: Callable[[], T | None], timeout: float = 60.0) -> T:
    """Poll ``check`` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def open_world(tmp: Path, db: str, db_url: str) -> Iterator[World]:
    """Start the site: a Mosquitto of its own, the database migrated with the site's
    people, central's ingest in a thread and its HTTP app served (as ``zhifang central
    serve`` runs them); stopped on exit."""
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
    # the HTTP app's, as `zhifang central serve` makes it; the test's own writes
    # (accounts, boxes) wait their turn beside ingest's the same way
    engine = make_engine(settings, write_immediate=True)
    own = make_engine(settings, write_immediate=True)
    stop = threading.Event()
    try:
        migrate(engine)
        sessions = make_session_factory(own)
        add_people(sessions)
        command_key = keys.public_key_b64(load_command_key(settings))
        ready = threading.Event()
        ingest = threading.Thread(
            target=run_ingest, args=(settings, stop), kwargs={"ready": ready}, daemon=True
        )
        ingest.start()
        assert ready.wait(20), "central's ingest did not subscribe"
        warm_up().join(30)  # as `zhifang central serve` does at start
        with serve(create_app(settings, engine=engine)) as url:
            yield World(tmp, settings, sessions, engine, url, broker, command_key, db)
        stop.set()
        ingest.join(15)
    finally:
        stop.set()
        engine.dispose()
        own.dispose()
        broker.stop(signal.SIGKILL)


def add_people(sessions: sessionmaker[Session]) -> None:
    add_user(sessions, LEADER, "leader", SITE, display_name=NAMES[LEADER])
    add_user(sessions, ON_DUTY, "leader", SITE, display_name=NAMES[ON_DUTY], on_duty=True)
    add_user(sessions, OFFICER, "officer", SITE, display_name=NAMES[OFFICER], leader=LEADER)
    add_user(sessions, CLERK, "officer", SITE, display_name=NAMES[CLERK], leader=LEADER)


class SyntheticRecorder(SpoolRecorder):
    """The box's real recorder and spool, fed by the synthetic camera and microphone
    when the reception starts (a few signed segments that the box uploads)."""

    active = False  # the segments are made at once; the badge shows the reception's span

    def start(self, reception_id: str) -> None:
        record_synthetic_reception(
            self.recorder, reception_id, t0_ms=int(time.time() * 1000), seconds=4
        )
        self.active = True

    def stop(self) -> None:
        self.active = False
        if self.recorder.reception_id is not None:
            self.recorder.stop()

    def status(self) -> RecordingStatus:
        s = super().status()
        return RecordingStatus(self.active, s.segments_spooled, s.upload_pending)


@dataclass
class DeskRig:
    box: Box
    desk: Desk
    panel: FakeRatingPanel
    url: str  # the touchscreen's page
    links: list[CuttableLink] = field(default_factory=list)

    def cut(self) -> None:
        """Central unreachable from this desk: its broker link and its HTTP link."""
        for link in self.links:
            link.cut()

    def restore(self) -> None:
        for link in self.links:
            link.restore()


@dataclass
class World:
    tmp: Path
    settings: Settings
    sessions: sessionmaker[Session]
    engine: Engine
    url: str
    broker: Broker
    command_key: str
    db: str  # "sqlite" or "postgres", for the timings

    def visits(self, matter_id: str) -> int:
        """Receptions linked to the matter at central."""
        from central.workflow.models import MatterVisitRow

        with self.sessions() as s:
            q = select(MatterVisitRow).where(MatterVisitRow.matter_id == matter_id)
            return len(s.scalars(q).all())

    def cancelled(self, matter_id: str) -> bool:
        """A visit of the matter was withdrawn at the desk, as central knows it."""
        from central.workflow.service import cancelled_visits

        with self.sessions() as s:
            return bool(cancelled_visits(s, matter_id))

    def step_actions(self, matter_id: str) -> list[str]:
        """The matter's steps at central, in their order."""
        from central.workflow.models import TransitionRow

        with self.sessions() as s:
            q = select(TransitionRow.action).where(TransitionRow.matter_id == matter_id)
            return list(s.scalars(q.order_by(TransitionRow.seq)))

    @contextmanager
    def desk(self, name: str, *, offline_capable: bool = False) -> Iterator[DeskRig]:
        """A registered box at this site with its touchscreen served. With
        ``offline_capable`` its MQTT and HTTP links to central go through cuttable
        relays (``DeskRig.cut``/``restore``: a pulled cable)."""
        key = register_box(self.sessions, name, SITE)
        links: list[CuttableLink] = []
        mqtt_port, central_url = self.broker.port, self.url
        if offline_capable:
            links = [CuttableLink(self.broker.port), CuttableLink(int(self.url.rsplit(":", 1)[1]))]
            mqtt_port, central_url = links[0].port, f"http://127.0.0.1:{links[1].port}"
        d = self.tmp / name
        cfg = parse_config(
            {
                "site": SITE,
                "device": name,
                "data_dir": str(d),
                "central_url": central_url,
                "central_command_keys": [self.command_key],
                "mqtt": {
                    "host": "127.0.0.1",
                    "port": mqtt_port,
                    "reconnect_min_s": 0.2,
                    "reconnect_max_s": 1.0,
                    "retry_rejected_s": 1.0,
                    "allow_plain_mqtt": True,  # the test broker has no TLS
                },
                "recording": {"upload_interval_s": 0.5},
            },
            base_dir=d,
        )
        box = Box(cfg, key=key).start()
        # on the air before the officer starts: the timings are of a desk at work, not of
        # its first connection
        wait_for("the box on the broker", lambda: box.forwarder.stats.connected, 20)
        panel = FakeRatingPanel()
        central = HttpCentralClient.to(central_url, auth=DeviceAuth(name, key), timeout_s=2.0)
        officers = OfficerDirectory({OFFICER: hash_pin(PIN)}, names={OFFICER: NAMES[OFFICER]})
        desk = build_desk(
            box,
            UiConfig(),
            panel=panel,
            central=central,
            recorder=SyntheticRecorder(box.recorder),
            officers=officers,
        )
        try:
            with serve(desk_app(desk)) as url:
                yield DeskRig(box, desk, panel, url, links)
        finally:
            panel.close()
            desk.cache.close()
            box.stop()
            for link in links:
                with contextlib.suppress(OSError):
                    link.close()
