"""Another organ reads what it may, adds under its own name, and every request is audited."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings
from central.sharing.models import OrganToken
from tests.auth import central_client
from tests.central.hearings.test_service import new_matter


def hdr(token: str, purpose: str | None = "核查当事人情况") -> dict[str, str]:
    h = {"Authorization": f"Bearer {token}"}
    if purpose is not None:
        h["X-Purpose"] = quote(purpose)
    return h


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    return central_client(settings, engine)


def setup_organs(c: TestClient) -> tuple[str, str]:
    r = c.post(
        "/api/sharing/organs",
        json={
            "id": "police-a",
            "name": "甲县公安局",
            "kind": "police",
            "fields": ["summary", "risk_level"],
        },
    )
    assert r.status_code == 201
    c.post(
        "/api/sharing/organs",
        json={"id": "town-b", "name": "乙镇", "kind": "township", "fields": ["status"]},
    )
    assert (
        c.post(
            "/api/sharing/organs",
            json={"id": "x", "name": "x", "kind": "police", "fields": ["person_id"]},
        ).status_code
        == 422
    )
    t1 = c.post("/api/sharing/organs/police-a/tokens", json={"label": "接口"}).json()["token"]
    t2 = c.post("/api/sharing/organs/town-b/tokens", json={}).json()["token"]
    return t1, t2


def test_scoped_views_contributions_and_audit(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    c = client
    new_matter(sessions, "m-shared")
    new_matter(sessions, "m-private")
    police, town = setup_organs(c)
    with sessions() as s:  # only hashes at rest
        stored = s.scalars(select(OrganToken.token_sha256)).all()
        assert police not in stored and len(stored) == 2
    assert (
        c.post(
            "/api/sharing/matters/m-shared/shares",
            json={"organ_id": "police-a", "reason": "涉稳协查"},
        ).status_code
        == 201
    )
    c.post("/api/sharing/matters/m-shared/shares", json={"organ_id": "town-b", "reason": "属地"})

    # field-level scope
    seen = c.get("/api/organ/matters/m-shared", headers=hdr(police)).json()
    assert set(seen) == {"id", "summary", "risk_level", "contributions"}
    assert set(c.get("/api/organ/matters/m-shared", headers=hdr(town)).json()) == {
        "id",
        "status",
        "contributions",
    }
    assert [m["id"] for m in c.get("/api/organ/matters", headers=hdr(police)).json()] == [
        "m-shared"
    ]
    # not shared and not existing look the same
    assert c.get("/api/organ/matters/m-private", headers=hdr(police)).status_code == 404
    assert c.get("/api/organ/matters/none", headers=hdr(police)).status_code == 404
    # a purpose is required, a token is required
    assert c.get("/api/organ/matters", headers=hdr(police, None)).status_code == 400
    assert c.get("/api/organ/matters", headers=hdr("zfo_0000000000000000_bad")).status_code == 401
    assert TestClient(c.app).get("/api/organ/matters").status_code == 401  # nobody
    assert c.get("/api/organ/matters").status_code == 403  # staff: not an organ's route

    # contributions under the organ's own identity
    r = c.post(
        "/api/organ/matters/m-shared/contributions",
        headers=hdr(police, "通报风险"),
        json={"kind": "warning", "level": "high", "body": "当事人扬言到市里上访"},
    )
    assert r.status_code == 201 and r.json()["organ"] == "police-a"
    assert (
        c.post(
            "/api/organ/matters/m-shared/contributions",
            headers=hdr(police),
            json={"kind": "warning", "body": "无等级"},
        ).status_code
        == 422
    )
    assert (
        c.post(
            "/api/organ/matters/m-private/contributions",
            headers=hdr(town),
            json={"kind": "info", "body": "x"},
        ).status_code
        == 404
    )
    c.post(
        "/api/organ/matters/m-shared/contributions",
        headers=hdr(town),
        json={"kind": "info", "body": "已上门走访，家庭困难"},
    )
    contribs = c.get("/api/sharing/matters/m-shared/contributions").json()
    assert [(x["organ"], x["kind"]) for x in contribs] == [
        ("police-a", "warning"),
        ("town-b", "info"),
    ]
    assert len(c.get("/api/organ/matters/m-shared", headers=hdr(town)).json()["contributions"]) == 2

    # revoked token stops working
    with sessions() as s:
        tid = s.scalars(select(OrganToken.id).where(OrganToken.organ_id == "town-b")).one()
    c.post(f"/api/sharing/tokens/{tid}/revoke")
    assert c.get("/api/organ/matters", headers=hdr(town)).status_code == 401

    # the auditor sees every request, allowed and refused, with its purpose
    trail = c.get("/api/sharing/audit", params={"organ": "police-a"}).json()
    actions = [(a["action"], a["purpose"]) for a in trail]
    assert ("sharing.access", "通报风险") in actions
    assert sum(1 for a, _ in actions if a == "sharing.access") == 3
    refused = [p for a, p in actions if a == "sharing.refused"]
    assert "未说明目的" in refused and sum("被拒绝" in p for p in refused) == 3
    everyone = c.get("/api/sharing/audit").json()
    assert any(a["actor"] == "organ:anonymous" for a in everyone)
    assert any(a["action"] == "sharing.share" for a in everyone)
