"""Logging in as production does: real accounts through the login form, real device
keys signing the box's requests. There is no way around central's gates, in tests
or anywhere else; these helpers go through them.

* ``production_settings`` - central's settings as production runs them (secrets made
  for the test run, never the development placeholders).
* ``add_user`` / ``login`` / ``staff_client`` - an account, logged in with its cookie;
  the client sends the session's CSRF token on every request, as the console does.
* ``register_box`` / ``box_client`` - a registered box and a client whose requests
  its device key signs (``appliance.http_auth.DeviceAuth``).
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from appliance.http_auth import DeviceAuth
from central.accounts import service as accounts
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.settings import Settings
from protocol import keys

PASSWORD = "correct horse battery"
# made once per test run: each key differs from the others and from the placeholders
_SECRETS = {
    "secret_key": base64.b64encode(os.urandom(33)).decode(),
    "id_hash_key": base64.b64encode(os.urandom(32)).decode(),
    "id_enc_key": base64.b64encode(os.urandom(32)).decode(),
}


def production_settings(**kw: Any) -> Settings:
    """Settings as a production central runs with (``kw`` overrides). The tests' brokers
    are plain MQTT on loopback: allowed explicitly, as a site on a network that needs no
    encryption would (the refusal itself is tested with ``allow_plain_mqtt=False``)."""
    values: dict[str, Any] = {
        "environment": "production", "allow_plain_mqtt": True, **_SECRETS, **kw,
    }  # fmt: skip
    return Settings(**values)


def add_user(
    sessions: sessionmaker[Session],
    username: str,
    role: str,
    org: str = "minhou",
    password: str = PASSWORD,
    **kw: Any,
) -> None:
    with sessions.begin() as s:
        accounts.add_account(s, username=username, password=password, role=role, org=org, **kw)


def login(
    client: TestClient, username: str, password: str = PASSWORD, *, send_csrf: bool = False
) -> str:
    """Log in through the form, as a person does; returns the session's CSRF token (as
    the pages embed it). ``send_csrf``: send it with every later request of ``client``,
    as the console's scripts do for its JSON calls."""
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    csrf = csrf_of(client)
    if send_csrf:
        client.headers["X-CSRF-Token"] = csrf
    else:
        client.headers.pop("X-CSRF-Token", None)
    return csrf


def csrf_of(client: TestClient) -> str:
    page = client.get("/console/alerts")
    m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert m, page.text
    return m.group(1)


def staff_client(
    app: Any,
    sessions: sessionmaker[Session],
    username: str,
    role: str,
    org: str = "minhou",
    **kw: Any,
) -> TestClient:
    """A new account, logged in: a TestClient (use it in a ``with`` block or close it)."""
    add_user(sessions, username, role, org, **kw)
    c = TestClient(app)
    login(c, username, send_csrf=True)
    return c


def register_box(
    sessions: sessionmaker[Session], name: str, site: str = "minhou"
) -> Ed25519PrivateKey:
    """Register a box with a new device key (as provisioning does); returns the key."""
    key = Ed25519PrivateKey.generate()
    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name=name, site=site, public_key=keys.public_key_b64(key))
        )
    return key


def box_client(app: Any, name: str, key: Ed25519PrivateKey) -> TestClient:
    """A client whose every request is signed with the box's device key."""
    c = TestClient(app)
    c.auth = DeviceAuth(name, key)
    return c


def key_file(path: Path, key: Ed25519PrivateKey) -> Path:
    """Write a device key as the box keeps it (mode 0600)."""
    path.write_bytes(keys.private_raw(key))
    path.chmod(0o600)
    return path


def production_env() -> dict[str, str]:
    """``ZHIFANG_*`` environment of a production central for a subprocess (the same
    secrets as ``production_settings``; plain MQTT on the tests' loopback broker)."""
    return {
        "ZHIFANG_ENVIRONMENT": "production",
        "ZHIFANG_ALLOW_PLAIN_MQTT": "true",
        **{f"ZHIFANG_{k.upper()}": v for k, v in _SECRETS.items()},
    }


def central_env(settings: Settings) -> dict[str, str]:
    """``ZHIFANG_*`` environment for a central command (CLI, subprocess) that must use
    the same database and secrets as ``settings``."""
    return {
        "ZHIFANG_ENVIRONMENT": settings.environment,
        "ZHIFANG_ALLOW_PLAIN_MQTT": "true" if settings.allow_plain_mqtt else "false",
        "ZHIFANG_DATABASE_URL": settings.db_url,
        "ZHIFANG_DATA_DIR": str(settings.data_dir),
        "ZHIFANG_SECRET_KEY": settings.secret_key.get_secret_value(),
        "ZHIFANG_ID_HASH_KEY": settings.id_hash_key.get_secret_value(),
        "ZHIFANG_ID_ENC_KEY": settings.id_enc_key.get_secret_value(),
    }


def central_client(
    settings: Settings,
    engine: Any,
    username: str = "test-admin",
    role: str = "admin",
    org: str = "*",
) -> TestClient:
    """Central as production builds it (``create_app``), and a client logged in as a new
    account (by default an admin of every site). Close it, or use it in ``with``."""
    from central.app import create_app
    from central.database import make_session_factory

    app = create_app(settings, engine=engine)
    return staff_client(app, make_session_factory(engine), username, role, org)
