"""A stopped ingest worker's session stays in the shared-subscription group and takes
its share of events; ``zhifang central ingest --retire`` removes it."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from central.ingest.mqtt import MqttIngestClient
from protocol import topics
from tests.auth import production_settings
from tests.e2e.harness import Broker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop(signal.SIGKILL)


def worker(port: int, group: str, name: str) -> MqttIngestClient:
    s = production_settings(mqtt_port=port, ingest_group=group,
        ingest_client_id=name, mqtt_session_expiry_s=600,
    )  # fmt: skip
    return MqttIngestClient(s)


def publish(port: int, site: str, n: int) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.connect("127.0.0.1", port)
    c.loop_start()
    for i in range(n):
        c.publish(topics.event_topic(site, "desk-01"), b"x%d" % i, qos=1).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()


def drain(w: MqttIngestClient, seconds: float) -> int:
    got, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = w.get_batch(100, timeout=0.2)
        w.ack(batch)
        got += len(batch)
    return got


def test_a_retired_worker_no_longer_takes_a_share(broker: Broker) -> None:
    group, site = f"g{uuid.uuid4().hex[:8]}", f"s{uuid.uuid4().hex[:8]}"
    old = worker(broker.port, group, "ingest-old")
    old.start()
    assert old.subscribed.wait(10)
    old.stop()  # stopped, not retired: its session and group membership live on
    live = worker(broker.port, group, "ingest-live")
    live.start()
    assert live.subscribed.wait(10)

    publish(broker.port, site, 20)
    assert drain(live, 2) < 20, "the parked session took no share: nothing to show here"

    worker(broker.port, group, "ingest-old").retire()
    publish(broker.port, site, 20)
    assert drain(live, 2) == 20
    live.stop()
