"""Over the real Mosquitto at 127.0.0.1:1883: two boxes and central's ingest.

Consent at desk A → ``consent.recorded`` → central's record; deletion at desk A →
``biometric.deleted`` → central → ``biometric_delete`` to desk B over MQTT → B's store
no longer holds the person → B's ack over MQTT → recorded at central.

Central's ingest here is the real ``MqttIngestClient`` + ``Ingestor`` with the
test-only identity projector (conftest) and an ack subscription: the two hooks the
lead wires into ``central/ingest``.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from appliance.box import Box
from appliance.config import BoxConfig
from appliance.identity.desk import DeskIdentity
from appliance.identity.templates import TemplateStore
from central.devices import service as devices
from central.devices.control import SigningPublisher
from central.devices.schemas import DeviceCreate
from central.identity import service
from central.identity.models import ConsentRow, DeletionCommandRow
from central.ingest import ingestor as ingestor_module
from central.ingest.ingestor import Ingestor
from central.ingest.mqtt import MqttIngestClient
from central.ingest.projection import IdKeys
from central.settings import Settings
from protocol import topics
from tests.control import CENTRAL, CENTRAL_PUBLIC

from .conftest import identity_projector

SITE_KEY = bytes(range(32))


def broker_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def wait_for(cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class IngestWithAcks(MqttIngestClient):
    """The stock ingest client, also subscribed to command acks."""

    def _on_connect(self, client: mqtt.Client, u: Any, flags: Any, rc: Any, p: Any) -> None:
        super()._on_connect(client, u, flags, rc, p)
        if not rc.is_failure:
            client.subscribe(topics.ALL_COMMAND_ACKS, qos=1)


def run_central(
    client: IngestWithAcks, ingest: Ingestor, sessions: sessionmaker[Session], stop: threading.Event
) -> None:
    while not stop.is_set():
        batch = client.get_batch(200, timeout=0.1)
        if not batch:
            continue
        acks = [r for r in batch if topics.parse_topic(r.incoming.topic).ack]
        events = [r for r in batch if r not in acks]
        if events:
            ingest.process([r.incoming for r in events])
        if acks:
            with sessions.begin() as s:
                for r in acks:
                    service.handle_ack_message(s, r.incoming.topic, r.incoming.payload)
        client.ack(batch)


@pytest.fixture
def central(
    settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    if not broker_up():
        pytest.skip("no MQTT broker at 127.0.0.1:1883 (apt-get install mosquitto)")
    client = IngestWithAcks(settings)
    signing = SigningPublisher(client, key=CENTRAL)  # as run_ingest wires it
    monkeypatch.setattr(ingestor_module, "Projector", identity_projector(signing))
    ingest = Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
    )
    stop = threading.Event()
    client.start()
    worker = threading.Thread(target=run_central, args=(client, ingest, sessions, stop))
    worker.start()
    try:
        assert client.subscribed.wait(10), "ingest did not subscribe"
        yield
    finally:
        stop.set()
        worker.join(10)
        client.stop()


def desk(
    tmp: Path, site: str, name: str, sessions: sessionmaker[Session]
) -> tuple[Box, DeskIdentity]:
    cfg = BoxConfig(
        environment="development",  # the plain broker at 1883
        site=site,
        device=name,
        data_dir=tmp / name,
        central_command_keys=(CENTRAL_PUBLIC,),
    )
    box = Box(cfg)
    with sessions.begin() as s:
        devices.register(s, data=DeviceCreate(name=name, site=site, public_key=box.public_key_b64))
    clock = lambda: int(time.time() * 1000)  # noqa: E731
    store = TemplateStore(tmp / name / "templates.db", key=SITE_KEY, clock=clock)
    ident = DeskIdentity(
        store=store, outbox=box.outbox, device_key=box.key, site=site, clock_ms=clock
    )
    ident.install(box.forwarder)
    return box.start(), ident


def test_deletion_at_desk_a_reaches_desk_b_over_mosquitto(
    tmp_path: Path, sessions: sessionmaker[Session], central: None
) -> None:
    site = f"idtest-{uuid.uuid4().hex[:10]}"
    box_a, a = desk(tmp_path, site, f"{site}-a", sessions)
    box_b, b = desk(tmp_path, site, f"{site}-b", sessions)
    try:
        rec = a.give_consent(person_id="p1", scopes=["face"], officer_id="officer-7")
        a.store.enrol("p1", "face", np.ones(128, np.float32) / np.sqrt(128))
        b.store.import_person(a.store.export_person("p1"))

        def consent_at_central() -> bool:
            with sessions() as s:
                return s.get(ConsentRow, rec.consent_id) is not None

        wait_for(consent_at_central, "the consent record at central")

        a.delete_person("p1", officer_id="officer-8", note="本人申请")
        wait_for(lambda: not b.store.holds_anything_of("p1"), "desk B to delete p1")

        def acked() -> bool:
            with sessions() as s:
                rows = s.scalars(select(DeletionCommandRow)).all()
                return len(rows) == 1 and rows[0].acked_at is not None

        wait_for(acked, "desk B's ack at central")
        with sessions() as s:
            row = s.scalars(select(DeletionCommandRow)).one()
            assert (row.device, row.ok, row.detail) == (f"{site}-b", True, "deleted")
            assert service.pending_deletions(s, site=site) == []
            assert s.get(ConsentRow, rec.consent_id).withdrawn_at is not None  # type: ignore[union-attr]
        assert box_a.wait_drained(10) and box_b.wait_drained(10)
    finally:
        box_a.stop()
        box_b.stop()
