"""The ingest decision on both databases: store once, quarantine with a reason, never stop."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.devices import service as devices
from central.devices.models import Device
from central.dossier import crypto
from central.dossier.models import Person, Reception, ReceptionStep
from central.ingest import at_rest
from central.ingest.ingestor import Incoming, Ingestor, Outcome
from central.ingest.models import DeviceSeq, Event, Quarantine
from central.settings import Settings
from protocol import control, keys, topics
from protocol.canonical import canonical_json
from protocol.envelope import Envelope, seal
from protocol.messages import (
    IdentityChecked,
    PersonRef,
    RatingGiven,
    ReceptionStarted,
    WorkflowStepDone,
)
from tests.central.helpers import Box


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def reasons(sessions: sessionmaker[Session]) -> Counter[str]:
    with sessions() as s:
        return Counter(s.scalars(select(Quarantine.reason)))


def test_a_whole_reception_is_stored_and_projected(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session], settings: Settings
) -> None:
    outcomes = ingestor.process(box.reception(rating="dissatisfied"))

    assert outcomes == [Outcome.STORED] * 6
    assert count(sessions, Event) == 6
    with sessions() as s:
        r = s.scalars(select(Reception)).one()
        assert (r.device, r.officer_id, r.kind, r.events, r.events_expected) == (
            box.name,
            "officer-7",
            "walk_in",
            6,
            6,
        )
        assert r.rating == "dissatisfied" and r.rated_at is not None
        assert (r.risk_level, r.risk_reason) == ("medium", "多次来访")
        assert r.started_at is not None and r.ended_at is not None and r.started_at < r.ended_at
        steps = s.scalars(select(ReceptionStep).order_by(ReceptionStep.at)).all()
        assert [st.step for st in steps] == ["register", "notify"]
        assert steps[0].fields == {"诉求": "要求答复土地征收补偿"}
        p = s.get(Person, r.person_id)
        assert p is not None and p.name == "张三" and p.township == "甘蔗街道"
        # the ID number is not stored in clear, but can be found and read back
        assert p.id_number_hash == crypto.id_number_hash(
            settings.id_hash_key_bytes, "35012119800101123x"
        )
        assert p.id_number_enc is not None and b"350121" not in p.id_number_enc
        assert crypto.decrypt_id_number(settings.id_enc_key_bytes, p.id_number_enc) == (
            "35012119800101123X"
        )
        seq = s.get(DeviceSeq, box.name)
        assert seq is not None and (seq.contiguous, seq.max_seen, seq.gap_since) == (6, 6, None)
        assert s.get(Device, box.name).last_seen is not None  # type: ignore[union-attr]


def test_the_same_person_twice_is_one_dossier(box: Box, ingestor: Ingestor, sessions) -> None:
    ingestor.process(box.reception())
    ingestor.process(box.reception(name="张三"))
    assert count(sessions, Reception) == 2
    assert count(sessions, Person) == 1


def test_without_an_id_number_name_and_phone_find_the_person(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    def visit() -> list[Incoming]:
        out = []
        for b in box.reception_bodies():
            if isinstance(b, IdentityChecked):
                person = PersonRef(name="李四", phone="13900000000")
                b = b.model_copy(update={"person": person, "method": "phone"})
            out.append(box.incoming(box.seal(b)))
        return out

    ingestor.process(visit() + visit())  # both in one batch
    ingestor.process(visit())
    assert count(sessions, Reception) == 3
    assert count(sessions, Person) == 1


def test_an_event_delivered_twice_is_stored_once(box: Box, ingestor: Ingestor, sessions) -> None:
    batch = box.reception()
    ingestor.process(batch[:3])
    outcomes = ingestor.process(batch + batch[1:2])  # redelivery, and a duplicate within a batch

    assert outcomes == [Outcome.DUPLICATE] * 3 + [Outcome.STORED] * 3 + [Outcome.DUPLICATE]
    assert count(sessions, Event) == 6
    with sessions() as s:
        assert s.scalars(select(Reception.events)).one() == 6
    assert ingestor.stats.duplicates == 4 and ingestor.stats.stored == 6
    assert count(sessions, Quarantine) == 0


def test_bad_messages_are_quarantined_with_their_reason_while_good_ones_go_on(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session], settings: Settings
) -> None:
    good = box.reception()
    forged = box.seal(good_body(), key=Ed25519PrivateKey.generate())
    stranger = Box(name="box-stranger", site=box.site)
    wrong_schema = resigned(box, box.seal(good_body()), schema=99)  # signed, but unknown
    garbage = bytes(range(256)) * 4096  # 1 MiB
    dup_keys = b'{"event_id":"a","event_id":"b"}'
    batch = [
        good[0],
        box.incoming(forged),
        good[1],
        stranger.incoming(stranger.seal(good_body())),
        box.incoming(wrong_schema),
        good[2],
        box.incoming(garbage),
        box.incoming(b"\xff\xfe{not utf-8"),
        box.incoming(dup_keys),
        box.incoming(b"[1, 2]"),
        box.incoming(b"not json"),
        *good[3:],
    ]

    outcomes = ingestor.process(batch)

    assert outcomes.count(Outcome.STORED) == 6
    assert reasons(sessions) == Counter(
        {
            "bad_signature": 1,
            "unknown_device": 1,
            "unsupported_schema": 1,
            "too_large": 1,
            "not_utf8": 1,
            "duplicate_key": 1,
            "not_object": 1,
            "not_json": 1,
        }
    )
    with sessions() as s:
        big = s.scalars(select(Quarantine).where(Quarantine.reason == "too_large")).one()
        kept = at_rest.open_payload(
            at_rest.payload_key(settings.id_enc_key_bytes),
            big.payload,
            context=at_rest.quarantine_context(big.payload_sha256),
        )  # sealed at rest; too large to be ours: only enough of it to see what it was
        assert big.payload_len == len(garbage) and kept == garbage[:4096]
        assert big.device == box.name and big.detail
        assert s.scalars(select(Reception.events)).one() == 6
    assert sum(ingestor.stats.quarantined.values()) == 8


def resigned(box: Box, env: Envelope, **changes: object) -> bytes:
    """The envelope with fields changed and signed again by the box's own key."""
    unsigned = {**env.unsigned(), **changes}
    sig = keys.b64e(box.key.sign(canonical_json(unsigned)))
    return canonical_json({**unsigned, "sig": sig})


def good_body() -> ReceptionStarted:
    return ReceptionStarted(reception_id=str(uuid.uuid4()), officer_id="o1", started_at=1)


def test_a_seq_reused_for_another_event_is_a_conflict(
    box: Box, ingestor: Ingestor, sessions
) -> None:
    ingestor.process([box.incoming(box.seal(good_body(), seq=1))])
    assert ingestor.process([box.incoming(box.seal(good_body(), seq=1))]) == [Outcome.QUARANTINED]
    assert reasons(sessions) == Counter({"seq_conflict": 1})
    assert count(sessions, Event) == 1


def test_an_event_id_reused_at_another_seq_is_a_conflict(
    box: Box, ingestor: Ingestor, sessions
) -> None:
    first = box.seal(good_body(), seq=1)
    clash = seal(key=box.key, device=box.name, seq=2, body=good_body(), event_id=first.event_id)
    ingestor.process([box.incoming(first)])
    assert ingestor.process([box.incoming(clash)]) == [Outcome.QUARANTINED]
    assert reasons(sessions) == Counter({"event_id_conflict": 1})


def test_revoked_wrong_site_and_mismatched_devices_are_refused(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    other_site = topics.event_topic("gulou", box.name)
    other_device = topics.event_topic(box.site, "box-someone-else")
    env = box.seal(good_body())
    ingestor.process([box.incoming(env, topic=other_site), box.incoming(env, topic=other_device)])
    with sessions.begin() as s:
        devices.revoke(s, name=box.name)
    ingestor.process([box.incoming(env)])
    assert reasons(sessions) == Counter(
        {"wrong_site": 1, "device_mismatch": 1, "revoked_device": 1}
    )
    assert count(sessions, Event) == 0


def test_the_first_rating_binds(box: Box, ingestor: Ingestor, sessions) -> None:
    rid = str(uuid.uuid4())
    first = RatingGiven(reception_id=rid, rating="satisfied", at=2000)
    later = RatingGiven(reception_id=rid, rating="dissatisfied", at=1000)  # claims an earlier time
    ingestor.process([box.incoming(box.seal(later, seq=2))])
    ingestor.process([box.incoming(box.seal(first, seq=1))])  # arrives late (resent), came first
    with sessions() as s:
        assert s.scalars(select(Reception.rating)).one() == "satisfied"  # by seq, not by time


def test_status_messages_update_the_device(box: Box, ingestor: Ingestor, sessions) -> None:
    st = topics.status_topic(box.site, box.name)

    def status(state: str, ts: int, device: str = box.name) -> bytes:
        return control.sign_status(
            box.key, site=box.site, device=device, state=state, ts=ts
        ).to_wire()

    outcomes = ingestor.process(
        [
            box.incoming(status("online", 2000), topic=st),
            box.incoming(status("offline", 1000), topic=st),  # older: does not win
            box.incoming(b"", topic=st),  # a cleared retained message
            box.incoming(b"\xff not json", topic=st),
            box.incoming(status("online", 1), topic=topics.status_topic("s", "unregistered")),
        ]
    )
    assert outcomes == [
        Outcome.STATUS,
        Outcome.STATUS,
        Outcome.IGNORED,
        Outcome.QUARANTINED,
        Outcome.IGNORED,
    ]
    with sessions() as s:
        d = s.get(Device, box.name)
        assert d is not None and d.status == "online"
    assert reasons(sessions) == Counter({"bad_status": 1})


def test_two_workers_given_the_same_messages_store_each_once(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session], settings: Settings
) -> None:
    from central.ingest.projection import IdKeys

    other = Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
    )
    events = [i for _ in range(10) for i in box.reception()]
    batches = [events[k : k + 7] for k in range(0, len(events), 7)]
    errors: list[BaseException] = []

    def work(ing: Ingestor) -> None:
        try:
            for b in batches:
                ing.process(b)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(ing,)) for ing in (ingestor, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert count(sessions, Event) == 60
    assert ingestor.stats.stored + other.stats.stored == 60
    assert ingestor.stats.duplicates + other.stats.duplicates == 60
    with sessions() as s:
        assert set(s.scalars(select(Reception.events))) == {6}
        assert s.get(DeviceSeq, box.name).contiguous == 60  # type: ignore[union-attr]
    assert count(sessions, Person) == 1


@pytest.mark.parametrize("n", [1, 3])
def test_batches_of_any_size_give_the_same_result(
    box: Box, ingestor: Ingestor, sessions, n: int
) -> None:
    events = box.reception() + box.reception()
    for k in range(0, len(events), n):
        ingestor.process(events[k : k + n])
    assert count(sessions, Event) == 12
    assert count(sessions, Reception) == 2


def test_a_message_the_database_cannot_hold_does_not_block_the_others(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    rid = str(uuid.uuid4())
    nul = WorkflowStepDone(reception_id=rid, officer_id="o", step="register", at=1, note="a\x00b")
    far = ReceptionStarted(reception_id=rid, officer_id="o", started_at=2**53 - 1)
    good = box.reception()
    outcomes = ingestor.process([good[0], box.incoming(box.seal(nul)), box.incoming(box.seal(far))])
    outcomes += ingestor.process(good[1:])
    stored = count(sessions, Event)
    # SQLite keeps a NUL in text, PostgreSQL refuses it: either way nothing is lost or stuck
    assert stored in (6, 7) and outcomes.count(Outcome.STORED) == stored
    expected = Counter({"bad_time": 1}) + (
        Counter() if stored == 7 else Counter({"db_rejected": 1})
    )
    assert reasons(sessions) == expected
