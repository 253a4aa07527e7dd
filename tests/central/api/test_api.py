"""The HTTP API and the console, through FastAPI's TestClient, on both databases."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.ingest.ingestor import Ingestor
from protocol import keys
from tests.central.helpers import Box


def test_register_list_and_revoke_a_device(client: TestClient) -> None:
    pub = keys.public_key_b64(Ed25519PrivateKey.generate())
    r = client.post("/api/devices", json={"name": "desk-1", "site": "minhou", "public_key": pub})
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "desk-1" and r.json()["status"] == "offline"
    again = client.post(
        "/api/devices", json={"name": "desk-1", "site": "minhou", "public_key": pub}
    )
    assert again.status_code == 201  # provisioning twice is harmless
    other = keys.public_key_b64(Ed25519PrivateKey.generate())
    clash = client.post(
        "/api/devices", json={"name": "desk-1", "site": "minhou", "public_key": other}
    )
    assert clash.status_code == 409 and "已登记" in clash.json()["detail"]
    assert [d["name"] for d in client.get("/api/devices").json()] == ["desk-1"]
    revoked = client.post("/api/devices/desk-1/revoke", json={"reason": "丢失"})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.post("/api/devices/nope/revoke", json={"reason": "x" * 3}).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Desk 1", "site": "minhou", "public_key": "AAAA"},
        {"name": "desk-1", "site": "minhou", "public_key": "not-a-key"},
        {"name": "desk-1", "site": "minhou", "public_key": keys.b64e(b"x" * 31)},
        {"name": "desk-1", "site": "minhou"},
        {"name": "desk-1", "site": "minhou", "public_key": "AAAA", "extra": 1},
    ],
)
def test_bad_registrations_are_refused(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/api/devices", json=body).status_code == 422


def test_receptions_timeline_stats_and_quarantine(
    client: TestClient, box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    ingestor.process(box.reception(rating="dissatisfied"))
    ingestor.process(box.reception(rating="satisfied"))
    ingestor.process([box.incoming(b"\xff garbage")])

    listed = client.get("/api/receptions").json()
    assert len(listed) == 2 and {r["rating"] for r in listed} == {"satisfied", "dissatisfied"}
    one = client.get(f"/api/receptions/{listed[0]['id']}").json()
    assert [s["step"] for s in one["steps"]] == ["register", "notify"]
    assert one["person_name"] == "张三" and one["events"] == 6
    assert client.get("/api/receptions/00000000-0000-0000-0000-000000000000").status_code == 404

    person_id = one["person_id"]
    t = client.get(f"/api/persons/{person_id}/timeline", params={"reason": "复查来访材料"})
    assert t.status_code == 200, t.text
    body = t.json()
    assert body["person"]["id_number_masked"] == "350121********123X"
    assert len(body["receptions"]) == 2
    with sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action.like("person.%"))).all()
        assert [(a.actor, a.action, a.target, a.reason) for a in audit] == [
            ("test-admin", "person.timeline.read", f"person:{person_id}", "复查来访材料")
        ]
    assert client.get("/api/persons/nobody/timeline").status_code == 404

    stats = client.get("/api/stats").json()
    assert stats["receptions"] == 2 and stats["events"] == 12 and stats["quarantined"] == 1
    assert stats["ratings"] == {"satisfied": 1, "dissatisfied": 1}
    assert stats["devices"] == 1 and stats["persons"] == 1
    q = client.get("/api/quarantine").json()
    assert [(x["reason"], x["device"]) for x in q] == [("not_utf8", box.name)]


def test_the_console_shows_receptions_and_a_persons_timeline(
    client: TestClient, box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    assert "暂无接访记录" in client.get("/console/").text
    ingestor.process(box.reception(rating="dissatisfied"))
    page = client.get("/console/")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "张三" in page.text and "不满意" in page.text and "多次来访" in page.text
    person_id = client.get("/api/receptions").json()[0]["person_id"]
    timeline = client.get(f"/console/persons/{person_id}")
    assert "登记" in timeline.text and "告知" in timeline.text and "350121" in timeline.text
    assert "35012119800101123X" not in timeline.text  # only the masked number is shown
    with sessions() as s:
        reads = s.scalars(select(AuditLog).where(AuditLog.action == "person.dossier.read"))
        assert [a.actor for a in reads] == ["test-admin"]


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/", follow_redirects=False).status_code in (302, 307)


def test_a_signed_box_request_is_taken_once_and_a_replay_refused(
    app: Any, sessions: sessionmaker[Session]
) -> None:
    """The device key's nonce is stored in a transaction of its own (a first write that
    waits its turn beside ingest); the same signed request again is a replay."""
    from protocol.requests import signed_headers
    from tests.auth import register_box

    key = register_box(sessions, "desk-replay")
    headers = signed_headers(key, device="desk-replay", method="GET",
                             target="/api/box/persons?q=13800000000", body=b"",
                             ts_ms=int(time.time() * 1000))  # fmt: skip
    with TestClient(app) as c:
        first = c.get("/api/box/persons?q=13800000000", headers=headers)
        again = c.get("/api/box/persons?q=13800000000", headers=headers)
    assert first.status_code == 200, first.text
    assert again.status_code == 401 and "重放" in again.text
