"""Deletion at desk A reaches central and desks B and C, in memory: real outboxes,
forwarders and ingest, the in-memory transport for the broker, RecordingPublisher
for central's commands."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from appliance.forwarder import Forwarder
from appliance.identity.desk import DeskIdentity
from appliance.identity.templates import ConsentRequired, TemplateStore
from appliance.outbox import Outbox
from appliance.transport import MemoryTransport
from central.db import utcnow
from central.devices import service as devices
from central.devices.control import SigningPublisher
from central.devices.schemas import DeviceCreate
from central.identity import service
from central.identity.models import ConsentRow, DeletionCommandRow
from central.ingest.ingestor import Incoming, Ingestor
from central.publisher import RecordingPublisher
from protocol import keys, topics
from tests.control import CENTRAL

SITE = "site-flow"
SITE_KEY = bytes(range(32))


class Clock:
    def __init__(self) -> None:
        self.t = 1_790_000_000_000

    def __call__(self) -> int:
        self.t += 1000
        return self.t


class Desk:
    def __init__(self, tmp: Path, name: str, clock: Clock, sessions: sessionmaker[Session]) -> None:
        self.name = name
        key = Ed25519PrivateKey.generate()
        with sessions.begin() as s:
            devices.register(
                s, data=DeviceCreate(name=name, site=SITE, public_key=keys.public_key_b64(key))
            )
        self.outbox = Outbox(tmp / f"{name}-o.db", device=name, key=key)
        self.transport = MemoryTransport(auto_ack=True)
        self.fwd = Forwarder(
            outbox=self.outbox, transport=self.transport, site=SITE, device=name,
            command_keys=[CENTRAL.public_key()],
        )  # fmt: skip
        self.store = TemplateStore(tmp / f"{name}-t.db", key=SITE_KEY, clock=clock)
        self.id = DeskIdentity(
            store=self.store, outbox=self.outbox, device_key=key, site=SITE, clock_ms=clock
        )
        self.id.install(self.fwd)
        self.fwd.start(threaded=False)
        self.seen = 0  # how much of the transport's log has been carried


class ToDesk:
    """The broker's last hop: what central publishes reaches the desk's connection."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def publish(self, topic: str, payload: bytes) -> None:
        self.desk.transport.deliver(topic, payload)


def carry(
    desks: list[Desk], ingest: Ingestor, pub: RecordingPublisher, sessions: sessionmaker[Session]
) -> None:
    """The broker's job: events to ingest, commands to the desks, acks to central."""
    by_name = {d.name: d for d in desks}
    for _ in range(10):
        moved = False
        for d in desks:
            d.fwd.run_pending()
            new, d.seen = d.transport.sent[d.seen :], len(d.transport.sent)
            for sent in new:
                t = topics.parse_topic(sent.msg.topic)
                if t.stream == topics.EVENT:
                    ingest.process([Incoming(sent.msg.topic, sent.msg.payload, utcnow())])
                    moved = True
                elif t.ack:
                    with sessions.begin() as s:
                        service.handle_ack_message(s, sent.msg.topic, sent.msg.payload)
                    moved = True
        while pub.sent:  # each command delivered once (and taken off the list), signed
            topic, payload = pub.sent.pop(0)  # by central's key on the way, as in production
            desk = by_name[topics.parse_topic(topic).device]
            SigningPublisher(ToDesk(desk), key=CENTRAL).publish(topic, payload)
            moved = True
        if not moved:
            return


def emb(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return v / np.linalg.norm(v)


def test_deletion_at_one_desk_reaches_central_and_every_other_desk(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    identity_ingest: Ingestor,
    publisher: RecordingPublisher,
) -> None:
    clock = Clock()
    a, b, c = (Desk(tmp_path, n, clock, sessions) for n in ("desk-a", "desk-b", "desk-c"))
    desks = [a, b, c]
    rec = a.id.give_consent(person_id="p1", scopes=["face", "voice"], officer_id="officer-7")
    a.store.enrol("p1", "face", emb(1))
    for other in (b, c):  # shared earlier (the relay's job, tested on its own)
        other.store.import_person(a.store.export_person("p1"))
        assert other.store.get("p1", "face") is not None
    carry(desks, identity_ingest, publisher, sessions)
    with sessions() as s:
        assert s.get(ConsentRow, rec.consent_id) is not None  # consent → event → record

    late = a.store.export_person("p1")  # a copy in flight while the deletion happens
    a.id.delete_person("p1", officer_id="officer-8", note="本人申请")
    assert not a.store.holds_anything_of("p1")
    carry(desks, identity_ingest, publisher, sessions)

    for d in (b, c):
        assert not d.store.holds_anything_of("p1"), d.name
    with sessions() as s:
        cmds = s.scalars(select(DeletionCommandRow).order_by(DeletionCommandRow.device)).all()
        assert [(r.device, r.ok, r.detail) for r in cmds] == [
            ("desk-b", True, "deleted"),
            ("desk-c", True, "deleted"),
        ]
        assert all(r.acked_at is not None for r in cmds)
        assert service.pending_by_device(s, site=SITE) == {}
        assert s.get(ConsentRow, rec.consent_id).withdrawn_at is not None  # type: ignore[union-attr]

    # the late copy cannot bring the person back at B or C
    for d in (b, c):
        with pytest.raises(ConsentRequired):
            d.store.import_person(late)
        assert not d.store.holds_anything_of("p1")


def test_a_command_sent_twice_and_one_for_an_unknown_person_are_harmless_acks(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    identity_ingest: Ingestor,
    publisher: RecordingPublisher,
) -> None:
    clock = Clock()
    a, b = (Desk(tmp_path, n, clock, sessions) for n in ("desk-a", "desk-b"))
    a.id.delete_person("never-enrolled", officer_id="officer-8")
    carry([a, b], identity_ingest, publisher, sessions)
    with sessions.begin() as s:
        (row,) = s.scalars(select(DeletionCommandRow)).all()
        assert (row.device, row.ok, row.detail) == ("desk-b", True, "not held")
        row.acked_at = None  # pretend the ack was lost: central sends the command again
        # after the backoff (a minute); within the clock skew the desk allows a command
        service.redeliver_unacked(s, publisher, now=utcnow() + timedelta(minutes=2))
    carry([a, b], identity_ingest, publisher, sessions)
    with sessions() as s:
        assert service.pending_deletions(s) == []
    # the box answered the command once and, sent again, gave the same ack again
    stats = b.fwd.stats
    assert (stats.commands_served, stats.commands_repeated, stats.commands_refused) == (1, 1, 0)
