"""Ingest over the wire, against the real Mosquitto on 127.0.0.1:1883.

Each test uses its own shared-subscription group, client ids and device names, so it
can run next to other tests on the same broker.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.devices.control import load_command_key
from central.devices.models import Device
from central.ingest.ingestor import IngestStats
from central.ingest.models import Event, Quarantine
from central.ingest.mqtt import MqttIngestClient
from central.ingest.runner import run_ingest
from central.settings import Settings
from protocol import control, topics
from protocol.messages import ResendRequest
from tests.central.helpers import Box

BROKER = ("127.0.0.1", 1883)


@pytest.fixture(autouse=True)
def _broker() -> None:
    try:
        socket.create_connection(BROKER, timeout=2).close()
    except OSError as e:
        pytest.skip(f"no MQTT broker at {BROKER[0]}:{BROKER[1]} ({e}); install mosquitto")


def wait_for(what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def n_rows(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


class Publisher:
    """A plain MQTT v5 client standing in for the box's forwarder."""

    def __init__(self) -> None:
        self.received: list[mqtt.MQTTMessage] = []
        self.c = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"zf-test-box-{uuid.uuid4().hex[:8]}",
            protocol=MQTTProtocolVersion.MQTTv5,
        )
        self.c.on_message = lambda _c, _u, m: self.received.append(m)
        self.c.connect(*BROKER)
        self.c.loop_start()

    def send(self, topic: str, payload: bytes) -> None:
        self.c.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


class Central:
    """``run_ingest`` in a thread, as ``zhifang central serve`` runs it."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.stats: IngestStats | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.stats = run_ingest(settings, self.stop, engine=engine, ready=self.ready)
            except BaseException as e:
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        wait_for("ingest to subscribe", lambda: self.ready.is_set() or self.error is not None)
        assert self.error is None, self.error

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert self.error is None, self.error


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    p = Publisher()
    yield p
    p.close()


def test_a_reception_over_mqtt_is_stored_once_and_garbage_quarantined(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    box: Box,
    publisher: Publisher,
) -> None:
    central = Central(settings, engine)
    try:
        events = box.reception()
        for e in events:
            publisher.send(box.topic, e.payload)
        publisher.send(box.topic, events[2].payload)  # delivered twice
        publisher.send(box.topic, b"\xff\x00 not an event")
        status = control.sign_status(
            box.key, site=box.site, device=box.name, state="online", ts=int(time.time() * 1000)
        )
        publisher.send(topics.status_topic(box.site, box.name), status.to_wire())

        # (other tests' boxes on this broker are quarantined too: count only ours)
        wait_for(
            "6 events and 1 quarantined",
            lambda: n_rows(sessions, Event) == 6 and ours_quarantined(sessions, box) == 1,
        )
    finally:
        central.close()
    assert central.stats is not None
    assert central.stats.stored == 6 and central.stats.duplicates == 1
    assert central.stats.statuses == 1
    assert n_rows(sessions, Event) == 6
    with sessions() as s:
        assert s.get(Device, box.name).status == "online"  # type: ignore[union-attr]


def ours_quarantined(sessions: sessionmaker[Session], box: Box) -> int:
    with sessions() as s:
        q = select(func.count()).select_from(Quarantine).where(Quarantine.device == box.name)
        return s.scalar(q) or 0


def test_messages_not_acknowledged_before_a_crash_are_delivered_again(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    box: Box,
    publisher: Publisher,
) -> None:
    # a worker receives three events but dies before committing (so never acknowledges)
    doomed = MqttIngestClient(settings)
    doomed.start()
    wait_for("subscription", doomed.subscribed.is_set)
    events = box.reception()[:3]
    for e in events:
        publisher.send(box.topic, e.payload)
    got: list[object] = []

    def received() -> bool:
        got.extend(doomed.get_batch(10, 0.1))
        return len(got) >= 3

    wait_for("delivery", received)
    doomed.stop()
    assert n_rows(sessions, Event) == 0

    # the restarted worker (same client id: same session) gets them again and stores them
    central = Central(settings, engine)
    try:
        wait_for("redelivery", lambda: n_rows(sessions, Event) == 3)
    finally:
        central.close()
    assert central.stats is not None and central.stats.stored == 3


def test_a_gap_makes_central_ask_the_box_to_resend(
    settings: Settings,
    engine: Engine,
    sessions: sessionmaker[Session],
    box: Box,
    publisher: Publisher,
) -> None:
    fast = settings.model_copy(update={"gap_grace_s": 0.2})
    publisher.c.subscribe(topics.device_commands_filter(box.site, box.name), qos=1)
    central = Central(fast, engine)
    try:
        events = box.reception()
        for i in (0, 1, 4):  # seq 1, 2 and 5: 3..4 are missing
            publisher.send(box.topic, events[i].payload)
        wait_for("a resend command", lambda: len(publisher.received) >= 1)
        msg = publisher.received[0]
        assert msg.topic == topics.command_topic(box.site, box.name, "resend")
        cmd = control.verify_command(  # signed with central's command key, as boxes check
            msg.payload, site=box.site, device=box.name, command="resend",
            pinned=[load_command_key(settings).public_key()],
            now_ms=int(time.time() * 1000), max_age_ms=60_000,
        )  # fmt: skip
        req = ResendRequest.model_validate(cmd.body)
        assert (req.from_seq, req.to_seq) == (3, 4)
        for i in (2, 3):
            publisher.send(box.topic, events[i].payload)
        wait_for("the gap to close", lambda: n_rows(sessions, Event) == 5)
    finally:
        central.close()
