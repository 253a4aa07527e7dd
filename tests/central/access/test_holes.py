"""Each hole the access review found (issue #11), as a named test, in production mode on
SQLite and PostgreSQL. Each failed on the code before the access layer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from central.app import create_app
from central.audit.models import AuditLog
from central.settings import Settings
from tests.auth import login

from .world import World, build


@pytest.fixture
def world(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> Iterator[World]:
    w = build(settings, engine, sessions)
    yield w
    w.close()


def _anon(w: World) -> TestClient:
    return TestClient(w.app)


# ---- the device registry -------------------------------------------------------------


def test_anonymous_cannot_register_list_or_revoke_boxes(world: World) -> None:
    c = _anon(world)
    body = {"name": "rogue", "site": "site-a", "public_key": "A" * 43 + "="}
    assert c.post("/api/devices", json=body).status_code == 401
    assert c.get("/api/devices").status_code == 401
    assert c.post("/api/devices/box-a/revoke", json={"reason": "xx"}).status_code == 401
    assert c.post("/api/devices/box-a/revoke").status_code == 401  # no body either
    assert world.client("box-a").get("/api/box/persons", params={"q": "1"}).status_code == 200


def test_a_cross_site_form_cannot_revoke_a_box_through_an_admins_browser(world: World) -> None:
    admin = TestClient(world.app)
    login(admin, "admin-a")  # logged in, but the forged form carries no CSRF token
    r = admin.post("/api/devices/box-a/revoke", json={"reason": "forged"})
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_another_sites_admin_or_credential_cannot_touch_this_sites_boxes(world: World) -> None:
    body = {"name": "box-c", "site": "site-b", "public_key": "A" * 43 + "="}
    assert world.client("admin-a").post("/api/devices", json=body).status_code == 403
    assert world.client("provisioner-a").post("/api/devices", json=body).status_code == 403
    r = world.client("provisioner-a").post("/api/devices/box-b/revoke", json={"reason": "xx"})
    assert r.status_code == 403
    listed = world.client("officer-a").get("/api/devices").json()
    assert {d["site"] for d in listed} == {"site-a"}


def test_register_and_revoke_are_audited_with_who_and_why(world: World) -> None:
    r = world.client("provisioner-a").post(
        "/api/devices/box-spare/revoke", json={"reason": "设备被盗"}
    )
    assert r.status_code == 200
    with world.sessions() as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "device.revoke")).one()
    assert row.actor.startswith("provisioning:site-a:") and row.reason == "设备被盗"


# ---- personal data, anonymously ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/receptions", "/api/receptions/{reception}", "/api/matters/{matter}",
        "/api/persons/{person}/duplicates", "/api/quarantine", "/api/stats",
        "/api/identity/deletions/pending", "/api/persons/{person}/dossier",
    ],
)  # fmt: skip
def test_anonymous_reads_of_personal_data_are_refused(world: World, path: str) -> None:
    url = path.format(**world.ids)
    assert _anon(world).get(url).status_code == 401


def test_json_reads_of_personal_data_are_audited(world: World) -> None:
    c = world.client("officer-a")
    assert c.get(f"/api/receptions/{world.ids['reception']}").status_code == 200
    assert c.get(f"/api/matters/{world.ids['matter']}").status_code == 200
    assert c.get(f"/api/persons/{world.ids['person']}/duplicates").status_code == 200
    with world.sessions() as s:
        done = set(s.scalars(select(AuditLog.action).where(AuditLog.actor == "officer-a")))
    assert {"reception.read", "matter.read", "person.duplicates.read"} <= done


# ---- another site --------------------------------------------------------------------------


def test_another_sites_officer_reads_only_with_a_reason_and_writes_nothing(world: World) -> None:
    c, ids = world.client("officer-b"), world.ids
    for url in (f"/api/persons/{ids['person']}/dossier", f"/api/persons/{ids['person']}/timeline"):
        r = c.get(url)
        assert r.status_code == 403 and r.json()["detail"]["code"] == "reason_required"
        assert c.get(url, params={"reason": "联合接访"}).status_code == 200
    step = c.post(f"/api/matters/{ids['matter']}/steps", json={"action": "notify", "reason": "x"})
    assert step.status_code == 403 and step.json()["detail"]["code"] == "other_site"
    assert c.get(f"/console/awareness/persons/{ids['person']}").status_code == 403
    year = {"start": "2026-01-01", "end": "2026-12-31"}

    def listed(who: str) -> set[str]:
        r = world.client(who).get("/api/awareness/receptions", params=year)
        return {x["id"] for x in r.json()["items"]}

    assert ids["reception"] in listed("officer-a") and ids["reception"] not in listed("officer-b")
    blob = c.get(f"/api/evidence/blobs/{'0' * 64}", params={"reception": ids["reception"]})
    assert blob.status_code == 403
    with world.sessions() as s:
        why = s.scalars(
            select(AuditLog.reason).where(
                AuditLog.actor == "officer-b", AuditLog.action == "person.dossier.read"
            )
        ).one()
    assert why == "跨院查阅（site-b）：联合接访"


def test_another_sites_leader_cannot_share_this_sites_matter(world: World, sessions) -> None:
    from tests.auth import add_user

    add_user(sessions, "leader-b", "leader", "site-b")
    c = TestClient(world.app)
    c.headers["X-CSRF-Token"] = login(c, "leader-b")
    r = c.post(
        f"/api/sharing/matters/{world.ids['matter']}/shares",
        json={"organ_id": "town-y", "reason": "想共享"},
    )
    assert r.status_code == 403


def test_a_box_looks_up_only_its_own_sites_persons(world: World) -> None:
    far = world.client("box-b")
    assert far.get("/api/box/persons", params={"q": "13800000001"}).json() == []
    assert far.get(f"/api/box/persons/{world.ids['person']}/dossier").status_code == 403
    own = world.client("box-a").get("/api/box/persons", params={"q": "13800000001"}).json()
    assert world.ids["person"] in {h["id"] for h in own}


# ---- no switch, no header --------------------------------------------------------------------


def test_x_actor_names_nobody_and_development_opens_nothing(
    settings: Settings, engine: Engine, world: World
) -> None:
    r = _anon(world).get("/api/receptions", headers={"X-Actor": "admin-a"})
    assert r.status_code == 401
    dev = create_app(settings.model_copy(update={"environment": "development"}), engine=engine)
    with TestClient(dev) as c:
        assert c.get("/api/receptions").status_code == 401
        assert c.post("/api/devices", json={}).status_code == 401


def test_the_settings_error_no_longer_suggests_development(tmp_path) -> None:
    from central.settings import Settings as S

    with pytest.raises(ValueError) as e:
        S(environment="production", data_dir=tmp_path)
    assert "ZHIFANG_ENVIRONMENT=development" not in str(e.value)


# ---- hardening ----------------------------------------------------------------------------


def test_a_huge_anonymous_body_is_refused_while_it_arrives(world: World) -> None:
    sent = []

    def body() -> Iterator[bytes]:
        for _ in range(200):  # 200 MB if it were all read
            sent.append(1)
            yield b"x" * (1024 * 1024)

    r = _anon(world).post(
        "/api/devices", content=body(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code in (401, 413)  # nobody: refused before the body is even read
    assert len(sent) < 10  # at most the first megabytes, never 200


def test_a_big_body_is_refused_even_with_credentials(world: World) -> None:
    r = world.client("officer-a").post("/api/similar", json={"text": "x" * (2 * 1024 * 1024)})
    assert r.status_code == 413


def test_every_answer_carries_the_security_headers(world: World) -> None:
    for r in (_anon(world).get("/console/login"), _anon(world).get("/api/receptions")):
        csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
        assert csp["script-src"] == "'self'"  # no inline script, no other origin
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"


def test_no_page_has_an_inline_script(world: World) -> None:
    import re

    c = world.client("admin-a")
    for url in ("/console/", f"/console/persons/{world.ids['person']}", "/console/awareness/",
                "/console/awareness/alerts", "/console/awareness/reports", "/console/kpi",
                f"/console/receptions/{world.ids['reception']}",
                f"/console/awareness/persons/{world.ids['person']}"):  # fmt: skip
        html = c.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+=\"", html), url


def test_api_docs_are_not_public(world: World) -> None:
    for url in ("/docs", "/redoc", "/openapi.json", "/api/openapi.json"):
        assert _anon(world).get(url).status_code in (401, 404), url
    doc = world.client("auditor-a").get("/api/openapi.json")
    assert doc.status_code == 200 and "/api/persons" in doc.json()["paths"]


def test_an_undeclared_route_stops_the_app_from_starting(settings: Settings, engine) -> None:
    from fastapi import APIRouter

    import central.app as app_module
    from central.access.gates import UndeclaredRoute

    sneaky = APIRouter()

    @sneaky.get("/api/secret")
    def secret() -> dict[str, str]:
        return {"all": "the data"}

    real = app_module.FastAPI

    class Leaky(real):  # type: ignore[misc,valid-type]
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.include_router(sneaky)

    app_module.FastAPI = Leaky  # type: ignore[misc]
    try:
        with pytest.raises(UndeclaredRoute, match="/api/secret"):
            create_app(settings, engine=engine)
    finally:
        app_module.FastAPI = real  # type: ignore[misc]
