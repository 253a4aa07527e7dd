"""Migration 0014_box_bound on an existing database, on SQLite and PostgreSQL: ID numbers
in clear in ``event`` and ``quarantine`` are sealed or replaced by their keyed hash, the
events still verify as signed, counts and seqs are filled in, and it goes back."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.orm import Session

from central.database import alembic_config, make_engine, migrate
from central.devices.models import Device
from central.dossier import crypto
from central.dossier.models import Reception
from central.evidence.models import Upload
from central.ingest import at_rest
from central.ingest.models import Event, Quarantine, QuarantineCount
from central.ingest.verify import check_events
from central.settings import Settings
from protocol import keys
from protocol.evidence import SegmentManifest, sign_manifest
from tests.central.helpers import Box

ID_NUMBER = "35012119800101123X"
BEFORE = ("0012_login_throttle", "0013_step_pending", "0009_identity")  # every head before


def upgrade_to(engine: Engine, revisions: tuple[str, ...], settings: Settings | None) -> None:
    cfg = alembic_config()
    if settings is not None:
        cfg.attributes["settings"] = settings
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        for r in revisions:
            command.upgrade(cfg, r)


def legacy_rows(engine: Engine, box: Box) -> tuple[str, bytes]:
    """What a database made before #13 holds: payloads and details in clear."""
    rid = str(uuid.uuid4())
    bodies = box.reception_bodies(reception_id=rid, id_number=ID_NUMBER, rating="dissatisfied")
    now = datetime.now(UTC)
    envs = [box.seal(b) for b in bodies]
    identity = envs[1].to_wire()
    bad = b'{"person": {"id_number": "' + ID_NUMBER.encode() + b'"}}'
    key = box.key
    manifest = sign_manifest(
        SegmentManifest(
            reception_id=rid, device=box.name, device_key=keys.key_id(key),
            index=0, start_ms=1, end_ms=2, media="audio", container="wav",
            sha256="0" * 64, size=123, prev=None,
        ),
        key,
    )  # fmt: skip
    with engine.begin() as c:
        c.execute(
            insert(Device.__table__),
            [{"id": box.name, "site": box.site, "public_key": box.public_key, "status": "offline",
              "registered_at": now}],
        )  # fmt: skip
        c.execute(
            insert(Event.__table__),
            [
                {"event_id": e.event_id, "device": e.device, "seq": e.seq, "ts": now,
                 "type": e.type, "schema": e.schema_, "body": e.body, "raw": e.to_wire(),
                 "received_at": now}
                for e in envs
            ],
        )  # fmt: skip
        c.execute(
            insert(Reception.__table__),
            [{"id": rid, "device": box.name, "rating": "dissatisfied", "rated_at": now,
              "events": 6}],
        )  # fmt: skip
        c.execute(
            insert(Quarantine.__table__),
            [{"received_at": now, "topic": box.topic, "device": box.name, "payload": bad,
              "payload_len": len(bad), "payload_sha256": hashlib.sha256(bad).hexdigest(),
              "reason": "bad_body", "detail": f"input_value='{ID_NUMBER}'"}],
        )  # fmt: skip
        c.execute(
            insert(Upload.__table__),
            [{"id": "u1", "device": box.name, "manifest": manifest.to_bytes(),
              "manifest_hash": manifest.manifest_hash(), "received": 0, "status": "open",
              "created_at": now}],
        )  # fmt: skip
    return rid, identity


def as_text(v: object) -> str:
    if isinstance(v, memoryview):
        v = bytes(v)
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def dump(engine: Engine) -> str:
    """Every row of every table, as text (bytes as latin-1, so nothing is hidden)."""
    out = []
    with engine.connect() as c:
        for table in inspect(engine).get_table_names():
            for row in c.execute(text(f'select * from "{table}"')):
                out += [as_text(v) for v in row]
    return "\n".join(out)


def test_0014_seals_id_numbers_of_an_existing_database_and_the_events_still_verify(
    settings: Settings,
) -> None:
    engine = make_engine(settings)
    try:
        upgrade_to(engine, BEFORE, None)
        box = Box(name="desk-01", site="minhou")
        rid, identity_wire = legacy_rows(engine, box)
        assert ID_NUMBER in dump(engine)  # the problem #13 names

        with pytest.raises(Exception, match="ZHIFANG_ID_ENC_KEY"):
            migrate(engine)  # data to seal and no key: refused, nothing half-done
        migrate(engine, settings=settings)

        everything = dump(engine)
        assert ID_NUMBER not in everything and ID_NUMBER.lower() not in everything
        key = at_rest.payload_key(settings.id_enc_key_bytes)
        with Session(engine) as s:
            ev = s.scalars(select(Event).where(Event.type == "identity.checked")).one()
            assert at_rest.is_sealed(ev.raw)
            opened = at_rest.open_payload(key, ev.raw, context=at_rest.event_context(ev.event_id))
            assert opened == identity_wire  # the signed bytes, exactly
            person = ev.body["person"]
            assert "id_number" not in person
            assert person["id_number_hash"] == crypto.id_number_hash(
                settings.id_hash_key_bytes, ID_NUMBER
            )
            checked = list(check_events(s, enc_key=settings.id_enc_key_bytes))
            assert len(checked) == 6 and all(c.problem is None for c in checked)
            q = s.scalars(select(Quarantine)).one()
            assert at_rest.is_sealed(q.payload) and "已隐去" in q.detail
            (count,) = s.scalars(select(QuarantineCount)).all()
            assert (count.kind, count.reason, count.messages) == ("quarantined", "bad_body", 1)
            r = s.get(Reception, rid)
            assert r is not None and r.rating_seq == 5  # the rating event's seq
            up = s.execute(text("select reception_id, seg_index, size from evidence_uploads"))
            assert tuple(up.one()) == (rid, 0, 123)

        migrate(engine, settings=settings)  # a second run is a no-op
        cfg = alembic_config()
        cfg.attributes["settings"] = settings
        with engine.begin() as conn:  # and it goes back: payloads in clear again
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012_login_throttle")
        with Session(engine) as s:
            ev = s.scalars(select(Event).where(Event.type == "identity.checked")).one()
            assert ev.raw == identity_wire and ev.body["person"]["id_number"] == ID_NUMBER
        migrate(engine, settings=settings)
        assert ID_NUMBER not in dump(engine)
    finally:
        engine.dispose()


def test_0014_on_a_new_database_needs_no_key(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        migrate(engine)  # nothing to seal: no key asked for
        assert "quarantine_count" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
