"""Template sharing through central's relay, box client against the real API: central
holds only ciphertext, reads are limited to the site, a deletion removes the copies."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from appliance.identity.desk import DeskIdentity
from appliance.identity.relay import (
    HttpTemplateRelay,
    RelayRefused,
    SealedTransfer,
    seal_transfer,
)
from appliance.identity.templates import TemplateStore
from appliance.outbox import Outbox
from central.app import create_app
from central.audit.models import AuditLog
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.identity.models import TransferRow
from central.ingest.ingestor import Ingestor
from central.settings import Settings
from protocol import keys
from protocol.requests import signed_headers
from tests.auth import add_user, login
from tests.central.helpers import Box

SITE_KEY = bytes(range(32))


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine)  # mounts /api/identity
    with TestClient(app) as c:
        yield c


def now_ms() -> int:
    return int(time.time() * 1000)


class Desk:
    def __init__(self, tmp: Path, sessions: sessionmaker[Session], client: TestClient,
                 site: str, name: str, key: bytes = SITE_KEY) -> None:  # fmt: skip
        self.key = Ed25519PrivateKey.generate()
        with sessions.begin() as s:
            devices.register(
                s, data=DeviceCreate(name=name, site=site, public_key=keys.public_key_b64(self.key))
            )
        self.outbox = Outbox(tmp / f"{name}-o.db", device=name, key=self.key)
        self.relay = HttpTemplateRelay(client, device=name, key=self.key)
        self.id = DeskIdentity(
            store=TemplateStore(tmp / f"{name}-t.db", key=key, clock=now_ms),
            outbox=self.outbox, device_key=self.key, site=site, clock_ms=now_ms, relay=self.relay,
        )  # fmt: skip


def emb(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return v / np.linalg.norm(v)


def sealed(d: Desk, person: str, site: str) -> SealedTransfer:
    return seal_transfer(d.id.store, d.id.store.export_person(person), site=site, now_ms=now_ms())


def enrolled(d: Desk, person: str) -> None:
    d.id.give_consent(person_id=person, scopes=["face"], officer_id="officer-7")
    d.id.store.enrol(person, "face", emb(1))


def test_shared_at_one_desk_usable_at_the_other_and_opaque_at_central(
    tmp_path: Path, sessions: sessionmaker[Session], client: TestClient
) -> None:
    a = Desk(tmp_path, sessions, client, "site-r1", "desk-a")
    b = Desk(tmp_path, sessions, client, "site-r1", "desk-b")
    x = Desk(tmp_path, sessions, client, "site-r1x", "desk-x")
    enrolled(a, "p1")
    a.id.share("p1")
    with sessions() as s:
        row = s.scalars(select(TransferRow)).one()
        assert (row.site, row.person_id, row.origin_device) == ("site-r1", "p1", "desk-a")
        assert b"consent_id" not in row.ciphertext and emb(1).tobytes() not in row.ciphertext
    assert b.id.pull_shared().imported == ["p1"]
    got_t = b.id.store.get("p1", "face")
    assert got_t is not None
    np.testing.assert_allclose(got_t, emb(1))
    assert x.id.pull_shared().imported == []  # another site sees nothing


def test_unsigned_forged_stale_and_revoked_requests_are_refused(
    tmp_path: Path, sessions: sessionmaker[Session], client: TestClient
) -> None:
    a = Desk(tmp_path, sessions, client, "site-r2", "desk-a")
    enrolled(a, "p1")
    body = seal_transfer(
        a.id.store, a.id.store.export_person("p1"), site="site-r2", now_ms=now_ms()
    )
    raw = body.model_dump_json().encode()
    path = "/api/identity/transfers"

    def signed(key: Ed25519PrivateKey, body: bytes, **kw: object) -> dict[str, str]:
        args: dict = {"device": "desk-a", "method": "POST", "target": path, "body": body,
                      "ts_ms": now_ms(), **kw}  # fmt: skip
        return signed_headers(key, **args)

    assert client.post(path, content=raw).status_code == 401
    forged = signed(Ed25519PrivateKey.generate(), raw)
    assert client.post(path, content=raw, headers=forged).status_code == 401
    stale = signed(a.key, raw, ts_ms=now_ms() - 3_600_000)
    assert client.post(path, content=raw, headers=stale).status_code == 401
    other_body = signed(a.key, b"{}")
    assert client.post(path, content=raw, headers=other_body).status_code == 401
    other_path = signed(a.key, raw, target=path + "?after=0")
    assert client.post(path, content=raw, headers=other_path).status_code == 401
    bad = signed(a.key, b"{")
    assert client.post(path, content=b"{", headers=bad).status_code == 422
    # a captured request sent again is refused, even within the time window
    once = signed(a.key, raw)
    assert client.post(path, content=raw, headers=once).status_code == 201
    assert client.post(path, content=raw, headers=once).status_code == 401
    with sessions.begin() as s:
        s.execute(delete(TransferRow))
        devices.revoke(s, name="desk-a")
    with pytest.raises(RelayRefused, match="401"):
        a.relay.push(body)
    with sessions() as s:
        assert s.scalars(select(TransferRow)).all() == []


def test_deletion_removes_relayed_copies_and_refuses_late_uploads(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    client: TestClient,
    identity_ingest: Ingestor,
) -> None:
    a = Desk(tmp_path, sessions, client, "site-r3", "desk-a")
    b = Desk(tmp_path, sessions, client, "site-r3", "desk-b")
    enrolled(a, "p1")
    late = seal_transfer(
        a.id.store, a.id.store.export_person("p1"), site="site-r3", now_ms=now_ms()
    )
    a.id.share("p1")
    a.id.delete_person("p1", officer_id="officer-8")
    box = Box(name="desk-a", site="site-r3", key=a.key)
    for ev in a.outbox.all_events():  # what the forwarder would carry to ingest
        identity_ingest.process([box.incoming(ev.wire)])
    with sessions() as s:
        assert s.scalars(select(TransferRow)).all() == []  # the relayed copy is gone
    with pytest.raises(RelayRefused, match="409"):
        a.relay.push(late)
    assert b.id.pull_shared().imported == []
    assert not b.id.store.holds_anything_of("p1")


def test_consent_and_deletion_reads_are_audited(
    tmp_path: Path,
    sessions: sessionmaker[Session],
    client: TestClient,
    identity_ingest: Ingestor,
) -> None:
    a = Desk(tmp_path, sessions, client, "site-r4", "desk-a")
    Desk(tmp_path, sessions, client, "site-r4", "desk-b")
    a.id.give_consent(person_id="p9", scopes=["face", "voice"], officer_id="officer-7")
    a.id.delete_person("p9", officer_id="officer-8", note="撤回同意")
    box = Box(name="desk-a", site="site-r4", key=a.key)
    for ev in a.outbox.all_events():
        identity_ingest.process([box.incoming(ev.wire)])
    add_user(sessions, "auditor-1", "auditor", org="site-r4")
    login(client, "auditor-1")
    got = client.get("/api/identity/consents", params={"person_id": "p9", "reason": "复核"}).json()
    assert got[0]["scopes"] == ["face", "voice"] and got[0]["withdrawn_at"] is not None
    dels = client.get("/api/identity/deletions", params={"person_id": "p9"}).json()
    assert dels[0]["note"] == "撤回同意"
    assert [d["device"] for d in dels[0]["desks"]] == ["desk-b"]
    assert dels[0]["desks"][0]["acked_at"] is None
    pending = client.get("/api/identity/deletions/pending", params={"site": "site-r4"}).json()
    assert [(p["device"], p["person_id"]) for p in pending] == [("desk-b", "p9")]
    with sessions() as s:
        actions = s.scalars(
            select(AuditLog.action).where(
                AuditLog.actor == "auditor-1", AuditLog.action.like("identity.%")
            )
        ).all()
        assert sorted(actions) == ["identity.consents.read", "identity.deletions.read"]
    assert client.get("/api/identity/consents").status_code == 422
