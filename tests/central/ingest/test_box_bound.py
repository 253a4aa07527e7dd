"""A box speaks only for itself (#13): attacks by a box holding its own valid key, on
both databases. Each test is an attack that worked before: a foreign box's rating, step
and person change; a forged status and a forged ack; plain MQTT in production."""

from __future__ import annotations

import argparse
import logging
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.alerts.models import AlertRow
from central.broker import PlainMqttRefused
from central.devices import service as devices
from central.devices.models import Device
from central.devices.schemas import DeviceCreate
from central.dossier.models import Person, Reception, ReceptionStep
from central.identity.models import DeletionCommandRow
from central.ingest.ingestor import Incoming, Ingestor, Outcome
from central.ingest.models import Event, Quarantine, QuarantineCount
from central.ingest.mqtt import MqttIngestClient
from central.ingest.projection import IdKeys
from central.settings import Settings
from protocol import control, topics
from protocol.messages import (
    BiometricDeleted,
    CommandAck,
    IdentityChecked,
    PersonRef,
    RatingGiven,
    WorkflowStepDone,
)
from tests.central.accounts.helpers import add_user
from tests.central.helpers import T0, Box

OWNER_ID_NUMBER = "35012119800101123X"


def registered(sessions: sessionmaker[Session], name: str, site: str) -> Box:
    b = Box(name=name, site=site)
    with sessions.begin() as s:
        devices.register(s, data=DeviceCreate(name=b.name, site=site, public_key=b.public_key))
    return b


@pytest.fixture
def desks(sessions: sessionmaker[Session]) -> tuple[Box, Box]:
    """desk-02 at minhou (the owner of the reception), desk-01 at gulou (the intruder:
    a stolen or misconfigured box, with its own valid key), and who is told."""
    add_user(sessions, "leader-minhou", "leader", org="minhou", on_duty=True)
    add_user(sessions, "leader-gulou", "leader", org="gulou", on_duty=True)
    return registered(sessions, "desk-02", "minhou"), registered(sessions, "desk-01", "gulou")


def owners_reception(owner: Box, ingestor: Ingestor) -> str:
    """desk-02's reception: identified by ID number, rated 不满意."""
    rid = str(uuid.uuid4())
    bodies = owner.reception_bodies(
        reception_id=rid, id_number=OWNER_ID_NUMBER, rating="dissatisfied"
    )
    assert ingestor.process([owner.incoming(owner.seal(b)) for b in bodies]) == [Outcome.STORED] * 6
    return rid


def quarantined(sessions: sessionmaker[Session]) -> Counter[tuple[str | None, str]]:
    with sessions() as s:
        return Counter((d, r) for d, r in s.execute(select(Quarantine.device, Quarantine.reason)))


def foreign_alerts(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.kind == "foreign_reception"))
        return {r.recipient: r.message for r in rows}


def test_a_foreign_boxs_rating_does_not_flip_the_owners(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    owner, intruder = desks
    rid = owners_reception(owner, ingestor)
    forged = intruder.seal(RatingGiven(reception_id=rid, rating="satisfied", at=1))  # "earliest"
    assert ingestor.process([intruder.incoming(forged)]) == [Outcome.QUARANTINED]
    with sessions() as s:
        r = s.get(Reception, rid)
        assert r is not None and r.rating == "dissatisfied" and r.device == "desk-02"
        assert r.events == 6  # the intruder's event did not count
        # stored as the signed record of what desk-01 said, but not applied
        assert s.scalar(select(func.count()).where(Event.device == "desk-01")) == 1
    assert quarantined(sessions) == Counter({("desk-01", "foreign_reception"): 1})
    alerts = foreign_alerts(sessions)
    assert set(alerts) == {"leader-minhou", "leader-gulou"}  # both sites' leaders
    assert "desk-01" in alerts["leader-minhou"] and "desk-02" in alerts["leader-minhou"]
    assert ingestor.process([intruder.incoming(forged)]) == [
        Outcome.DUPLICATE  # redelivered: no second quarantine row, no second alert
    ]
    assert len(foreign_alerts(sessions)) == 2


def test_a_foreign_boxs_step_is_not_applied(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    owner, intruder = desks
    rid = owners_reception(owner, ingestor)
    step = WorkflowStepDone(
        reception_id=rid, officer_id="officer-x", step="decline", at=T0 + 9000,
        note="不予受理", fields={"理由": "伪造"},
    )  # fmt: skip
    assert ingestor.process([intruder.incoming(intruder.seal(step))]) == [Outcome.QUARANTINED]
    with sessions() as s:
        steps = s.scalars(select(ReceptionStep.step).where(ReceptionStep.reception_id == rid))
        assert sorted(steps) == ["notify", "register"]
    assert quarantined(sessions) == Counter({("desk-01", "foreign_reception"): 1})


def test_a_foreign_boxs_identification_does_not_repoint_the_person(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    owner, intruder = desks
    rid = owners_reception(owner, ingestor)
    with sessions() as s:
        person = s.get(Reception, rid).person_id  # type: ignore[union-attr]
    other = IdentityChecked(
        reception_id=rid, officer_id="officer-x", subject="petitioner", method="id_number",
        outcome="verified", person=PersonRef(name="李四", id_number="110105198503151230"),
    )  # fmt: skip
    assert ingestor.process([intruder.incoming(intruder.seal(other))]) == [Outcome.QUARANTINED]
    with sessions() as s:
        assert s.get(Reception, rid).person_id == person  # type: ignore[union-attr]
    assert quarantined(sessions) == Counter({("desk-01", "foreign_reception"): 1})
    assert foreign_alerts(sessions)


def test_the_owners_own_correction_of_the_person_counts_by_seq(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    owner, _ = desks
    rid = str(uuid.uuid4())

    def identified(name: str, number: str) -> IdentityChecked:
        return IdentityChecked(
            reception_id=rid, officer_id="o", subject="petitioner", method="id_number",
            outcome="verified", person=PersonRef(name=name, id_number=number),
        )  # fmt: skip

    wrong, right = identified("王五", "110105198503151230"), identified("张三", OWNER_ID_NUMBER)
    ingestor.process([owner.incoming(owner.seal(right, seq=2))])  # the correction came later
    ingestor.process([owner.incoming(owner.seal(wrong, seq=1))])  # ... the mistake arrives last
    with sessions() as s:
        r = s.get(Reception, rid)
        assert r is not None and r.person_seq == 2
        assert s.get(Person, r.person_id).name == "张三"  # type: ignore[union-attr]


def status(box: Box, state: str, ts: int, *, key: Box | None = None) -> bytes:
    return control.sign_status(
        (key or box).key, site=box.site, device=box.name, state=state, ts=ts
    ).to_wire()


def test_a_forged_status_is_ignored_and_counted(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    owner, intruder = desks
    topic = topics.status_topic(owner.site, owner.name)
    unsigned = b'{"device":"desk-02","state":"online","ts":%d}' % (T0 + 10)
    outcomes = ingestor.process(
        [
            owner.incoming(unsigned, topic=topic),  # what statuses looked like before
            owner.incoming(status(owner, "online", T0 + 20, key=intruder), topic=topic),
            # desk-01's own, genuine status replayed on desk-02's topic
            owner.incoming(
                status(intruder, "online", T0 + 30),
                topic=topics.status_topic(owner.site, owner.name),
            ),
        ]
    )
    assert outcomes == [Outcome.IGNORED] * 3
    with sessions() as s:
        d = s.get(Device, "desk-02")
        assert d is not None and d.status == "offline" and d.status_at is None
        q = select(QuarantineCount.reason, QuarantineCount.messages)
        counts = {r: n for r, n in s.execute(q.where(QuarantineCount.kind == "ignored"))}
    assert counts == {"unsigned_status": 1, "forged_status": 2}
    assert ingestor.stats.untrusted == Counter({"unsigned_status": 1, "forged_status": 2})
    assert quarantined(sessions) == Counter()  # ignored, not quarantined (retained: it recurs)
    genuine = ingestor.process([owner.incoming(status(owner, "online", T0 + 40), topic=topic)])
    assert genuine == [Outcome.STATUS]
    with sessions() as s:
        assert s.get(Device, "desk-02").status == "online"  # type: ignore[union-attr]


def test_a_forged_status_is_counted_once_however_many_workers_receive_it(
    desks: tuple[Box, Box], ingestor: Ingestor, sessions: sessionmaker[Session],
    settings: Settings,
) -> None:  # fmt: skip
    """Statuses are not shared between ingest workers (each must see the retained ones),
    so every worker receives each one; the count is of messages, not of workers."""
    owner, intruder = desks
    topic = topics.status_topic(owner.site, owner.name)
    forged = owner.incoming(status(owner, "online", T0 + 20, key=intruder), topic=topic)
    keys = IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes)
    other = Ingestor(sessions, id_keys=keys)  # a second worker, same database
    for worker in (ingestor, other, ingestor):  # the third: the retained copy, again
        assert worker.process([forged]) == [Outcome.IGNORED]
    another = owner.incoming(status(owner, "offline", T0 + 30, key=intruder), topic=topic)
    assert other.process([another]) == [Outcome.IGNORED]
    with sessions() as s:
        q = select(QuarantineCount.reason, QuarantineCount.messages)
        counts = {r: n for r, n in s.execute(q.where(QuarantineCount.kind == "ignored"))}
    assert counts == {"forged_status": 2}


def test_a_forged_ack_does_not_close_a_biometric_deletion(
    sessions: sessionmaker[Session], ingestor: Ingestor
) -> None:
    a = registered(sessions, "desk-a", "minhou")
    b = registered(sessions, "desk-b", "minhou")
    mallory = registered(sessions, "desk-m", "gulou")
    deletion = BiometricDeleted(
        person_id="p1", officer_id="officer-8", deleted_at=T0, reason="request"
    )
    assert ingestor.process([a.incoming(a.seal(deletion))]) == [Outcome.STORED]
    with sessions() as s:
        (cmd,) = s.scalars(select(DeletionCommandRow)).all()
    assert cmd.device == "desk-b"
    done = CommandAck(cmd_id=cmd.cmd_id, ok=True, detail="deleted")
    topic = topics.command_ack_topic("minhou", "desk-b", "biometric_delete")

    def ack(signer: Box, device: str = "desk-b") -> bytes:
        return control.sign_ack(
            signer.key, site="minhou", device=device, command="biometric_delete", ack=done, ts=T0
        ).to_wire()

    forged = [
        done.model_dump_json().encode(),  # unsigned, as acks were before
        ack(mallory),  # signed, but by another box's key
        ack(mallory, device="desk-m"),  # desk-m's own ack, replayed on desk-b's topic
    ]
    assert ingestor.process([b.incoming(p, topic=topic) for p in forged]) == [Outcome.IGNORED] * 3
    with sessions() as s:
        assert s.get(DeletionCommandRow, cmd.cmd_id).acked_at is None  # type: ignore[union-attr]
    assert ingestor.stats.untrusted == Counter({"unsigned_ack": 1, "forged_ack": 2})
    assert ingestor.process([b.incoming(ack(b), topic=topic)]) == [Outcome.ACK]
    with sessions() as s:
        assert s.get(DeletionCommandRow, cmd.cmd_id).acked_at is not None  # type: ignore[union-attr]


PRODUCTION = dict(
    environment="production",
    secret_key="s" * 40,
    id_hash_key="aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=",
    id_enc_key="ZW5jcmVuY3JlbmNyZW5jcmVuY3JlbmNyZW5jcmVuY3I=",
)


def test_plain_mqtt_is_refused_in_production(tmp_path, monkeypatch, capsys) -> None:
    settings = Settings(data_dir=tmp_path, **PRODUCTION)
    with pytest.raises(PlainMqttRefused, match="ZHIFANG_ALLOW_PLAIN_MQTT"):
        MqttIngestClient(settings)
    from central.cli import _serve

    for k, v in PRODUCTION.items():
        monkeypatch.setenv(f"ZHIFANG_{k.upper()}", v)
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    args = argparse.Namespace(no_ingest=False, no_migrate=True)
    assert _serve(args) == 2  # `zhifang central serve` refuses before anything starts
    assert "refusing plain MQTT" in capsys.readouterr().err


def test_plain_mqtt_allowed_in_production_only_explicitly_and_with_a_warning(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings(data_dir=tmp_path, allow_plain_mqtt=True, **PRODUCTION)
    MqttIngestClient(settings)
    assert "plain MQTT to 127.0.0.1:1883 allowed by ZHIFANG_ALLOW_PLAIN_MQTT" in caplog.text
    caplog.clear()
    dev = Settings(data_dir=tmp_path, environment="development")
    MqttIngestClient(dev)  # development: plain MQTT is the norm, nothing to say
    assert "plain MQTT" not in caplog.text


def test_an_id_number_in_a_quarantined_message_is_not_kept_in_clear(
    ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    """A message on a garbage topic that carries an ID number: quarantined, the number
    masked in what people read (and the payload sealed)."""
    from datetime import UTC, datetime

    raw = b'{"id_number": "35012119800101123X"}'
    topic = "zhifang/v1/minhou/35012119800101123x/bogus"
    assert ingestor.process([Incoming(topic, raw, datetime.now(UTC))]) == [Outcome.QUARANTINED]
    with sessions() as s:
        q = s.scalars(select(Quarantine)).one()
        for text in (q.topic, q.detail):
            assert "35012119800101123" not in text.upper()
        assert b"35012119800101123" not in q.payload


def test_central_publishes_nothing_unsigned(tmp_path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from central.devices.control import SigningPublisher, UnsignableCommand
    from central.publisher import RecordingPublisher

    pub = RecordingPublisher()
    signing = SigningPublisher(pub, key=Ed25519PrivateKey.generate())
    for topic, payload in (
        (topics.status_topic("minhou", "desk-1"), b"{}"),  # not a command topic
        (topics.command_ack_topic("minhou", "desk-1", "resend"), b"{}"),
        (topics.command_topic("minhou", "desk-1", "resend"), b'{"not": "a command"}'),
    ):
        with pytest.raises(UnsignableCommand):
            signing.publish(topic, payload)
    assert pub.sent == []
