"""系统管理 over HTTP as production serves it: who gets in (an admin; nobody else, and
another site's admin not to this site's records), CSRF on every form, refused forms
come back as typed, a token's secret on the page that issued it and nowhere else."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from central.admin import organs
from tests.auth import PASSWORD, box_client, login, register_box, staff_client

from .helpers import account, add_user, audit_of, staff

SITE_ROUTES = [  # (method, path) about site minhou's officer "wang" (account 1) or desk
    ("GET", "/console/admin/accounts/{id}"),
    ("POST", "/console/admin/accounts/{id}"),
    ("POST", "/console/admin/accounts/{id}/active"),
    ("POST", "/console/admin/accounts/{id}/password"),
    ("POST", "/console/admin/accounts/{id}/unlock"),
    ("POST", "/console/admin/devices/desk-1/revoke"),
]
LISTS = ["/console/admin/accounts", "/console/admin/devices", "/console/admin/organs"]
FORMS = {
    "/console/admin/accounts/{id}": {"role": "admin", "org": "minhou", "display_name": "王"},
    "/console/admin/accounts/{id}/active": {"active": "0", "note": "试"},
    "/console/admin/accounts/{id}/password": {"password": "x" * 12, "again": "x" * 12},
    "/console/admin/accounts/{id}/unlock": {"note": "试"},
    "/console/admin/devices/desk-1/revoke": {"reason": "试一试"},
}


def _minhou(sessions: sessionmaker[Session]) -> int:
    add_user(sessions, "wang", "officer", "minhou", display_name="王检察官")
    register_box(sessions, "desk-1", "minhou")
    return account(sessions, "wang").id


def test_only_admins_come_in_and_another_sites_admin_not_to_this_sites_records(
    app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    wang = _minhou(sessions)
    key = register_box(sessions, "desk-9", "minhou")
    callers = {
        role: staff_client(app, sessions, f"{role}-1", role, "minhou")
        for role in ("officer", "leader", "auditor")
    }
    callers["box"] = box_client(app, "desk-9", key)
    far = staff_client(app, sessions, "far-admin", "admin", "gulou")
    with TestClient(app) as anon:
        for path in LISTS:
            r = anon.get(path, follow_redirects=False)
            assert r.status_code == 303 and "/console/login" in r.headers["location"]
        for method, path in SITE_ROUTES:
            r = anon.request(method, path.format(id=wang), follow_redirects=False)
            assert r.status_code in ((303,) if method == "GET" else (401,)), (method, path)
    for who, c in callers.items():
        for path in LISTS:
            assert c.get(path).status_code == 403, (who, path)
        for method, path in SITE_ROUTES:
            r = c.request(method, path.format(id=wang), data=FORMS.get(path, {}))
            assert r.status_code == 403, (who, method, path, r.status_code)
    for method, path in SITE_ROUTES:
        r = far.request(method, path.format(id=wang), data=FORMS.get(path, {}))
        assert r.status_code == 403, (method, path, r.status_code)
        assert "gulou" in r.text and "<html" in r.text  # the console's own page, in Chinese
    page = far.get("/console/admin/accounts").text
    assert "王检察官" not in page and "far-admin" in page
    assert 'data-device="desk-1"' not in far.get("/console/admin/devices").text
    r = far.post("/console/admin/devices", data={"name": "desk-7", "site": "minhou",
                                                 "public_key": "A" * 43 + "="})  # fmt: skip
    assert r.status_code == 403
    for c in (*callers.values(), far):
        c.close()
    wang_row = account(sessions, "wang")
    assert (wang_row.role, wang_row.active) == ("officer", True)
    assert [a for a in audit_of(sessions, "account:wang") if a[1] != "account.add"] == []
    assert audit_of(sessions, "device:desk-1") == []


def test_a_form_without_the_csrf_token_changes_nothing(
    app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    wang = _minhou(sessions)
    add_user(sessions, "boss", "admin", "minhou")
    with TestClient(app) as c:
        login(c, "boss")  # the token is not sent by itself: only the pages' forms carry it
        r = c.post(f"/console/admin/accounts/{wang}/active", data={"active": "0"})
        assert r.status_code == 403 and "CSRF" in r.text
    assert account(sessions, "wang").active


def test_an_admin_creates_an_officer_who_then_logs_in(client: TestClient, app: FastAPI) -> None:
    typed = {"username": "zhou", "display_name": "周检察官", "role": "officer", "org": "minhou"}
    r = client.post("/console/admin/accounts", data={**typed, "password": PASSWORD,
                                                     "again": PASSWORD + "!"})  # fmt: skip
    assert r.status_code == 422 and "两次输入的密码不一致" in r.text
    for value in typed.values():  # what was typed is still there...
        assert f'value="{value}"' in r.text or f'<option value="{value}" selected' in r.text
    assert PASSWORD not in r.text  # ...but never a password
    r = client.post("/console/admin/accounts", data={**typed, "password": PASSWORD,
                                                     "again": PASSWORD})  # fmt: skip
    assert r.status_code == 200 and "已新建账户：周检察官" in r.text
    with TestClient(app) as officer:
        login(officer, "zhou")
        assert officer.get("/console/work").status_code == 200
    assert "系统管理" in client.get("/console/").text
    with TestClient(app) as officer:
        login(officer, "zhou")
        assert "系统管理" not in officer.get("/console/").text  # the link is the admin's


def test_a_self_lockout_is_refused_on_the_page(client: TestClient, sessions) -> None:
    me = account(sessions, "test-admin").id
    r = client.post(f"/console/admin/accounts/{me}/active", data={"active": "0", "note": "试"})
    assert r.status_code == 422 and "不能停用自己的账户" in r.text
    r = client.post(
        f"/console/admin/accounts/{me}",
        data={"role": "officer", "org": "*", "display_name": "我", "note": "降级"},
    )
    assert r.status_code == 422 and "不能更改自己的角色" in r.text and 'value="降级"' in r.text
    assert account(sessions, "test-admin").role == "admin"


def test_a_revoke_without_a_reason_is_refused_and_keeps_the_desk(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    _minhou(sessions)
    r = client.post("/console/admin/devices/desk-1/revoke", data={"reason": " "})
    assert r.status_code == 422 and "请说明理由" in r.text
    r = client.post("/console/admin/devices/desk-1/revoke", data={"reason": "终端送修"})
    assert r.status_code == 200 and "已吊销接访终端 desk-1" in r.text
    assert audit_of(sessions, "device:desk-1")[-1] == ("test-admin", "device.revoke", "终端送修")


def test_a_tokens_secret_is_on_the_page_that_issued_it_only(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    organ = {"id": "police-minhou", "name": "闽侯县公安局", "kind": "police", "fields": ["status"]}
    r = client.post("/console/admin/organs", data=organ)
    assert r.status_code == 200 and "已登记有关单位：闽侯县公安局" in r.text
    r = client.post("/console/admin/organs/police-minhou/tokens", data={"label": "刑侦大队"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    found = re.search(r'data-testid="token-secret">(zfo_[0-9a-f]{16}_[^<]+)<', r.text)
    assert found
    secret = found.group(1)
    assert secret not in client.get("/console/admin/organs").text
    with sessions() as s:
        [o] = organs.listed(s)
        assert o.tokens[0].token_sha256 != secret and secret not in str(vars(o.tokens[0]))
    staff(sessions, "unused")  # nothing else of the secret anywhere: the audit row has the label
    assert all(secret not in str(a) for a in audit_of(sessions, "organ:police-minhou"))
