"""Who may do what on the sharing admin API: organs and tokens are the admin's, sharing
a matter a leader's, the access trail the auditor's; an officer or auditor who tries is
refused (403), whatever the router-level gate lets any staff member read."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from tests.central.accounts.helpers import add_user, login
from tests.central.hearings.test_service import new_matter

ORGAN = {"id": "police-a", "name": "甲县公安局", "kind": "police", "fields": ["summary"]}


def _as(client: TestClient, user: str) -> dict[str, str]:
    client.cookies.clear()
    return {"X-CSRF-Token": login(client, user)}


def test_roles_on_the_sharing_admin_api(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    for name, role in (
        ("off", "officer"),
        ("lead", "leader"),
        ("adm", "admin"),
        ("aud", "auditor"),
    ):
        add_user(sessions, name, role)
    mid = new_matter(sessions, "m-roles")
    for user in ("off", "lead", "aud"):
        h = _as(client, user)
        assert client.post("/api/sharing/organs", json=ORGAN, headers=h).status_code == 403
    h = _as(client, "adm")
    assert client.post("/api/sharing/organs", json=ORGAN, headers=h).status_code == 201
    r = client.post("/api/sharing/organs/police-a/tokens", json={"label": "接口"}, headers=h)
    assert r.status_code == 201
    share = {"organ_id": "police-a", "reason": "协同化解"}
    for user in ("off", "aud"):
        h = _as(client, user)
        r = client.post(f"/api/sharing/matters/{mid}/shares", json=share, headers=h)
        assert r.status_code == 403, user
        assert (
            client.put(
                "/api/sharing/organs/police-a/rate", json={"per_minute": 5}, headers=h
            ).status_code
            == 403
        )
    h = _as(client, "lead")
    assert (
        client.post(f"/api/sharing/matters/{mid}/shares", json=share, headers=h).status_code == 201
    )
    assert client.get("/api/sharing/audit", headers=h).status_code == 403
    h = _as(client, "aud")
    trail = client.get("/api/sharing/audit", headers=h)
    assert trail.status_code == 200
    assert client.get(f"/api/sharing/matters/{mid}/contributions", headers=h).status_code == 200
    with sessions() as s:  # creating an organ is on the record, under the admin's name
        row = s.scalars(select(AuditLog).where(AuditLog.action == "sharing.organ.create")).one()
        assert row.actor == "adm" and row.target == "organ:police-a"
