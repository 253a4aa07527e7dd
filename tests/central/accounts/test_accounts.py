"""Accounts: argon2 passwords, login sessions, CSRF, roles, the append-only audit log."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from central.accounts import passwords
from central.accounts import service as accounts
from central.accounts.models import Account
from central.audit.models import AuditLog
from central.settings import Settings
from tests.auth import PASSWORD, add_user, central_env, login


def test_passwords_are_argon2id_and_verify() -> None:
    h = passwords.hash_password("s3cret-enough")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "s3cret-enough")
    assert not passwords.verify_password(h, "wrong")
    assert not passwords.verify_password("not-a-hash", "x")
    with pytest.raises(passwords.WeakPassword):
        passwords.hash_password("short")


def test_add_account_refuses_bad_roles_and_duplicates(sessions: sessionmaker[Session]) -> None:
    add_user(sessions, "lin", "leader")
    with sessions.begin() as s, pytest.raises(accounts.AccountExists):
        accounts.add_account(s, username="lin", password=PASSWORD, role="leader", org="minhou")
    with sessions.begin() as s, pytest.raises(accounts.AccountError, match="角色"):
        accounts.add_account(s, username="x", password=PASSWORD, role="god", org="minhou")
    with sessions() as s:
        acc = s.scalar(select(Account).where(Account.username == "lin"))
        assert acc is not None and acc.password_hash.startswith("$argon2id$")
        assert PASSWORD not in acc.password_hash


def test_login_sets_a_safe_cookie_and_logout_ends_the_session(anon: TestClient, sessions) -> None:
    client = anon
    add_user(sessions, "zhang", "officer", display_name="张检察官")
    assert (
        client.get("/console/search", follow_redirects=False)
        .headers["location"]
        .startswith("/console/login")
    )
    form = client.get("/console/login")
    assert 'lang="zh-CN"' in form.text and "登录" in form.text
    csrf = login(client, "zhang")
    cookie = next(c for c in client.cookies.jar if c.name == "zf_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = client.get("/console/search")
    assert page.status_code == 200 and "张检察官" in page.text
    # logout without the CSRF token is refused; with it the session ends
    assert client.post("/console/logout", data={}).status_code == 403
    r = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    assert client.get("/console/search", follow_redirects=False).status_code == 303


def test_a_logged_out_session_cookie_no_longer_opens_anything(anon: TestClient, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    csrf = login(anon, "zhang")
    stolen = anon.cookies.get("zf_session")
    assert anon.post("/console/logout", data={"csrf_token": csrf}).status_code == 200
    anon.cookies.set("zf_session", stolen)  # a copy of the cookie kept from before
    assert anon.get("/api/receptions").status_code == 401
    assert anon.get("/console/", follow_redirects=False).status_code == 303


def test_an_expired_session_is_refused(anon: TestClient, sessions) -> None:
    from central.accounts.models import WebSession
    from central.db import utcnow

    add_user(sessions, "zhang", "officer")
    login(anon, "zhang")
    assert anon.get("/api/receptions").status_code == 200
    with sessions.begin() as s:  # ten hours later
        for ws in s.scalars(select(WebSession)):
            ws.expires_at = utcnow()
    r = anon.get("/api/receptions")
    assert r.status_code == 401 and "重新登录" in r.json()["detail"]


def test_wrong_password_and_login_without_csrf_are_refused(anon: TestClient, sessions) -> None:
    client = anon
    add_user(sessions, "zhang", "officer")
    bad = client.post(
        "/console/login", data={"username": "zhang", "password": "nope", "csrf_token": "x"}
    )
    assert bad.status_code == 403  # no login-form cookie: CSRF
    client.get("/console/login")
    token = client.cookies.get("zf_login_csrf")
    wrong = client.post(
        "/console/login", data={"username": "zhang", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    ghost = client.post(
        "/console/login", data={"username": "ghost", "password": "nope", "csrf_token": token}
    )
    assert ghost.status_code == 401


def test_api_changes_with_a_session_need_the_csrf_header(anon: TestClient, sessions) -> None:
    client = anon
    add_user(sessions, "zhang", "officer")
    csrf = login(client, "zhang")
    body = {"summary": "拖欠工资", "officer_id": "zhang"}
    assert client.post("/api/matters", json=body).status_code == 403
    r = client.post("/api/matters", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    # the actor is the logged-in account, not a header anyone could set
    r2 = client.post(
        "/api/matters", json=body, headers={"X-CSRF-Token": csrf, "X-Actor": "someone-else"}
    )
    assert r2.json()["history"][0]["actor"] == "zhang"


def test_auditors_read_the_log_but_change_nothing(anon: TestClient, sessions) -> None:
    client = anon
    add_user(sessions, "audit", "auditor")
    add_user(sessions, "zhang", "officer")
    csrf = login(client, "audit")
    page = client.get("/console/audit")
    assert page.status_code == 200 and "account.login" in page.text
    r = client.post(
        "/api/matters", json={"summary": "x", "officer_id": "zhang"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 403
    client.cookies.clear()
    login(client, "zhang")
    assert client.get("/console/audit").status_code == 403  # officers do not read the log


def test_anonymous_actors_are_refused(settings: Settings, engine: Engine) -> None:
    from central.app import create_app

    app = create_app(settings, engine=engine)
    with TestClient(app) as c:
        r = c.post(
            "/api/matters", json={"summary": "x", "officer_id": "o"}, headers={"X-Actor": "o"}
        )
        assert r.status_code == 401
        assert c.get("/console/", follow_redirects=False).status_code == 303


def test_no_one_can_update_or_delete_the_audit_log(sessions: sessionmaker[Session]) -> None:
    add_user(sessions, "zhang", "officer")  # writes an audit row
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with sessions() as s, pytest.raises(DBAPIError, match="append-only"):
            s.execute(text(sql))
            s.commit()
    with sessions() as s:
        rows = s.scalars(select(AuditLog)).all()
        assert [r.action for r in rows] == ["account.add"] and rows[0].actor == "cli"


def test_cli_adds_a_user_reading_the_password_from_stdin(
    settings: Settings, engine: Engine, sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse
    import io

    from central.accounts import cli

    for k, v in central_env(settings).items():
        monkeypatch.setenv(k, v)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(
        ["user", "add", "wang", "--role", "leader", "--org", "minhou", "--on-duty"]
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert args.func(args) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert args.func(args) == 1  # exists already
    with sessions() as s:
        acc = accounts.authenticate(s, username="wang", password=PASSWORD)
        assert acc.role == "leader" and acc.on_duty
