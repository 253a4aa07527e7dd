"""Shared fixtures' pieces for the accounts, console and dossier tests."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from central.accounts import service as accounts

PASSWORD = "correct horse battery"


def add_user(
    sessions: sessionmaker[Session], username: str, role: str, org: str = "minhou", **kw: object
) -> None:
    with sessions.begin() as s:
        accounts.add_account(s, username=username, password=PASSWORD, role=role, org=org, **kw)  # type: ignore[arg-type]


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token (as pages embed it)."""
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/console/alerts")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)
