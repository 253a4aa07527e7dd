"""Central: consent records, deletion fan-out with acks, the template relay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.db import from_ms
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.identity import service
from central.identity.models import ConsentRow, DeletionCommandRow, DeletionRow
from central.ingest.ingestor import Ingestor, Outcome
from central.publisher import RecordingPublisher
from protocol import control, topics
from protocol.messages import (
    BiometricDelete,
    BiometricDeleted,
    Command,
    CommandAck,
    ConsentRecorded,
)
from tests.central.helpers import T0, Box

SHA = "a" * 64


def register(sessions: sessionmaker[Session], site: str, *names: str) -> list[Box]:
    boxes = [Box(name=n, site=site) for n in names]
    with sessions.begin() as s:
        for b in boxes:
            devices.register(s, data=DeviceCreate(name=b.name, site=site, public_key=b.public_key))
    return boxes


def consent(person: str, given_at: int = T0, cid: str | None = None) -> ConsentRecorded:
    return ConsentRecorded(
        consent_id=cid or str(uuid.uuid4()), person_id=person, officer_id="officer-7",
        text_version="2026-11-v1", text_sha256=SHA, scopes=["face", "voice"], given_at=given_at,
    )  # fmt: skip


def deleted(person: str, at: int = T0 + 1000) -> BiometricDeleted:
    return BiometricDeleted(
        person_id=person, officer_id="officer-8", deleted_at=at, reason="request", note="本人申请"
    )


def test_consent_event_becomes_a_record_without_biometrics(
    sessions: sessionmaker[Session], identity_ingest: Ingestor
) -> None:
    (a,) = register(sessions, "site-c1", "desk-a")
    body = consent("p1")
    env = a.seal(body)
    assert identity_ingest.process([a.incoming(env)]) == [Outcome.STORED]
    assert identity_ingest.process([a.incoming(env)]) == [Outcome.DUPLICATE]
    with sessions() as s:
        (row,) = s.scalars(select(ConsentRow)).all()
        assert (row.consent_id, row.person_id, row.site, row.device, row.event_id) == (
            body.consent_id, "p1", "site-c1", "desk-a", env.event_id,
        )  # fmt: skip
        assert (row.text_version, row.text_sha256, row.scopes) == ("2026-11-v1", SHA, body.scopes)
        assert row.given_at == from_ms(T0) and row.withdrawn_at is None


def test_deletion_is_recorded_audited_and_relayed_to_every_other_desk(
    sessions: sessionmaker[Session], identity_ingest: Ingestor, publisher: RecordingPublisher
) -> None:
    a, b, c, gone = register(sessions, "site-c2", "desk-a", "desk-b", "desk-c", "desk-old")
    (elsewhere,) = register(sessions, "site-c2x", "desk-x")
    with sessions.begin() as s:
        devices.revoke(s, name="desk-old")
    identity_ingest.process([a.incoming(a.seal(consent("p1")))])
    env = a.seal(deleted("p1"))
    assert identity_ingest.process([a.incoming(env)]) == [Outcome.STORED]
    assert sorted(t for t, _ in publisher.sent) == [
        topics.command_topic("site-c2", d, "biometric_delete") for d in ("desk-b", "desk-c")
    ]
    for _topic, payload in publisher.sent:
        cmd = Command.model_validate_json(payload)
        req = BiometricDelete.model_validate(cmd.body)
        assert (req.person_id, req.origin_device, req.deleted_at) == ("p1", "desk-a", T0 + 1000)
        assert req.officer_id == "officer-8" and "本人申请" in req.reason
    with sessions() as s:
        d = s.scalars(select(DeletionRow)).one()
        assert (d.person_id, d.site, d.origin_device, d.reason) == (
            "p1", "site-c2", "desk-a", "request",
        )  # fmt: skip
        assert s.scalars(select(ConsentRow)).one().withdrawn_by == d.id
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "biometric.deleted")).one()
        assert audit.target == "person:p1" and "officer-8" in audit.actor
        pending = service.pending_by_device(s, site="site-c2")
        assert {k: [p.person_id for p in v] for k, v in pending.items()} == {
            "desk-b": ["p1"],
            "desk-c": ["p1"],
        }
    publisher.sent.clear()
    assert identity_ingest.process([a.incoming(env)]) == [Outcome.DUPLICATE]
    assert publisher.sent == []  # a redelivered event does not fan out again
    del b, c, gone, elsewhere


def test_nothing_is_published_when_the_transaction_rolls_back(
    sessions: sessionmaker[Session],
) -> None:
    a, _ = register(sessions, "site-c3", "desk-a", "desk-b")
    pub = RecordingPublisher()
    env = a.seal(deleted("p1"))
    with sessions() as s:
        service.apply_identity_event(s, env, env.parsed_body(), publisher=pub)
        s.rollback()
    assert pub.sent == []
    with sessions.begin() as s:
        service.apply_identity_event(s, env, env.parsed_body(), publisher=pub)
        assert pub.sent == []  # not before the commit
    assert len(pub.sent) == 1


def test_a_consent_arriving_after_its_deletion_is_stored_withdrawn(
    sessions: sessionmaker[Session], identity_ingest: Ingestor
) -> None:
    (a,) = register(sessions, "site-c4", "desk-a")
    early, late = consent("p1", T0), consent("p1", T0 + 5000)
    del_env = a.seal(deleted("p1", T0 + 1000), seq=3)
    identity_ingest.process([a.incoming(del_env)])  # seq 3 first: events can arrive in any order
    identity_ingest.process([a.incoming(a.seal(early, seq=1)), a.incoming(a.seal(late, seq=2))])
    with sessions() as s:
        rows = {r.consent_id: r for r in s.scalars(select(ConsentRow))}
        assert rows[early.consent_id].withdrawn_at == from_ms(T0 + 1000)
        assert rows[late.consent_id].withdrawn_at is None  # given again after the deletion


def test_acks_clear_the_pending_list_and_failures_are_sent_again(
    sessions: sessionmaker[Session], identity_ingest: Ingestor, publisher: RecordingPublisher
) -> None:
    a, b, c = register(sessions, "site-c5", "desk-a", "desk-b", "desk-c")
    identity_ingest.process([a.incoming(a.seal(deleted("p1")))])
    cmds = {topics.parse_topic(t).device: Command.model_validate_json(p) for t, p in publisher.sent}
    ack_b = CommandAck(cmd_id=cmds["desk-b"].cmd_id, ok=True, detail="deleted")
    ack_c = CommandAck(cmd_id=cmds["desk-c"].cmd_id, ok=False, detail="store failed: locked")

    def signed(box: Box, ack: CommandAck) -> bytes:
        return control.sign_ack(
            box.key, site=box.site, device=box.name, command="biometric_delete", ack=ack, ts=T0
        ).to_wire()

    with sessions.begin() as s:
        t_b = topics.command_ack_topic("site-c5", "desk-b", "biometric_delete")
        t_c = topics.command_ack_topic("site-c5", "desk-c", "biometric_delete")
        assert service.handle_ack_message(s, t_b, signed(b, ack_b)) is True
        assert service.handle_ack_message(s, t_c, signed(c, ack_c)) is True
        # someone else's ack, a stranger's claim, garbage: nothing changes
        resend_ack = topics.command_ack_topic("site-c5", "desk-b", "resend")
        assert service.handle_ack_message(s, resend_ack, b"{}") is None
        assert service.record_ack(s, "desk-c", ack_b.cmd_id, True, "") is False
        assert service.handle_ack_message(s, t_b, b"not json") is False
    with sessions.begin() as s:
        (p,) = service.pending_deletions(s, site="site-c5")
        assert (p.device, p.last_detail, p.attempts) == ("desk-c", "store failed: locked", 1)
        rows = {r.device: r for r in s.scalars(select(DeletionCommandRow))}
        assert rows["desk-b"].acked_at is not None and rows["desk-b"].ok is True
        pub = RecordingPublisher()
        first = rows["desk-c"].last_sent_at
        assert first is not None
        assert service.redeliver_unacked(s, pub, now=first + timedelta(seconds=30)) == 0
        assert service.redeliver_unacked(s, pub, now=first + timedelta(seconds=61)) == 1
        assert [topics.parse_topic(t).device for t, _ in pub.sent] == ["desk-c"]
        again = Command.model_validate_json(pub.sent[0][1])
        assert again.cmd_id == ack_c.cmd_id  # same id: the desk's handling is idempotent
        assert BiometricDelete.model_validate(again.body).deleted_at == T0 + 1000
        # backoff doubles: not again after another minute
        assert service.redeliver_unacked(s, pub, now=first + timedelta(seconds=122)) == 0
    del b, c


def test_commands_wait_without_a_publisher_until_redelivered(
    sessions: sessionmaker[Session],
) -> None:
    a, _ = register(sessions, "site-c6", "desk-a", "desk-b")
    env = a.seal(deleted("p1"))
    with sessions.begin() as s:
        service.apply_identity_event(s, env, env.parsed_body(), publisher=None)
    with sessions.begin() as s:
        (p,) = service.pending_deletions(s)
        assert p.last_sent_at is None and p.attempts == 0
        pub = RecordingPublisher()
        assert service.redeliver_unacked(s, pub) == 1


def test_unknown_device_is_refused(sessions: sessionmaker[Session]) -> None:
    box = Box(name="desk-ghost", site="site-c7")
    env = box.seal(deleted("p1"))
    with sessions() as s, pytest.raises(LookupError):
        service.apply_identity_event(s, env, env.parsed_body(), publisher=None)
