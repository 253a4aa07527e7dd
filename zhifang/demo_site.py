"""What a demo keeps between runs, and how it talks to central as production does.

A demo's folder (``var/demo`` by default) holds its run id (so its site name is its
own on a shared broker), central's secrets and the console password (files of mode
0600), so a second run of the same demo finds the same database, keys and login.
There is no development switch: central runs in production mode, the demo logs in
with a real account and registers its box with the site's provisioning credential.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SITE = "demo-site"
DEVICE = "desk-01"
LEADER = "demo-leader"


class DemoError(RuntimeError):
    pass


def _private_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _kept(path: Path, make: Any) -> str:
    """The value kept in ``path`` (0600), made by ``make()`` on the first run."""
    if not path.exists():
        _private_file(path, make() + "\n")
    return path.read_text().strip()


@dataclass(frozen=True)
class DemoSite:
    data: Path
    run_id: str
    password: str
    secrets_env: dict[str, str]

    @property
    def site(self) -> str:
        return f"{SITE}-{self.run_id}"

    @classmethod
    def open(cls, data: Path) -> DemoSite:
        data.mkdir(parents=True, exist_ok=True)
        run_id = _kept(data / "run-id", lambda: secrets.token_hex(3))
        password = _kept(data / "console-login.txt", lambda: secrets.token_urlsafe(9))

        def key() -> str:
            return base64.b64encode(os.urandom(32)).decode()

        env = {
            "ZHIFANG_SECRET_KEY": _kept(data / "secret-key", lambda: secrets.token_urlsafe(33)),
            "ZHIFANG_ID_HASH_KEY": _kept(data / "id-hash-key", key),
            "ZHIFANG_ID_ENC_KEY": _kept(data / "id-enc-key", key),
        }
        return cls(data, run_id, password, env)

    def provisioning_token(self, issue: Any) -> str:
        """The site's provisioning credential, issued on the first run and kept (0600)."""
        return _kept(self.data / "provisioning.token", issue)

    def central_env(self, *, port: int, url: str, mqtt_host: str, mqtt_port: int,
                    once: bool) -> dict[str, str]:  # fmt: skip
        env = {
            **os.environ,
            **self.secrets_env,
            "ZHIFANG_ENVIRONMENT": "production",
            "ZHIFANG_DATA_DIR": str(self.data / "central"),
            "ZHIFANG_HTTP_PORT": str(port),
            "ZHIFANG_PUBLIC_URL": url,
            "ZHIFANG_MQTT_HOST": mqtt_host,
            "ZHIFANG_MQTT_PORT": str(mqtt_port),
            # the demo's broker (scripts/ensure-broker.sh) has no TLS: said so
            # explicitly, and central warns about it at every start
            "ZHIFANG_ALLOW_PLAIN_MQTT": "true",
            # this central serves the demo's own site: other sites' traffic on a shared
            # broker is theirs, neither ingested nor quarantined here
            "ZHIFANG_INGEST_SITES": self.site,
            "ZHIFANG_INGEST_CLIENT_ID": f"zhifang-demo-ingest-{self.run_id}",
            # a shared-subscription group of its own with a short-lived session: on a
            # broker that other runs used, their parked sessions would otherwise take
            # their round-robin share of this run's events
            "ZHIFANG_INGEST_GROUP": f"demo-{self.run_id}",
            "ZHIFANG_ACCESS_LOG": "0",  # the demo polls central; its summary says enough
            "ZHIFANG_MQTT_SESSION_EXPIRY_S": "60" if once else "3600",
        }
        env["ZHIFANG_SITES_FILE"] = str(self.sites_file())
        env.pop("ZHIFANG_DATABASE_URL", None)
        return env

    def sites_file(self) -> Path:
        """How the demo's site names itself on its 文号 and papers (as a real site's
        ZHIFANG_SITES_FILE does): 演示检信〔2026〕1号, 演示县人民检察院."""
        path = self.data / "sites.toml"
        path.write_text(
            f'[sites."{self.site}"]\nshort = "演示"\nname = "演示县人民检察院"\n', "utf-8"
        )
        return path


def console_login(client: Any, username: str, password: str) -> None:
    """Log ``client`` (httpx, keeps cookies) in through the console's form, as a person
    does; later JSON calls that change something would send the page's CSRF token."""
    form = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if token is None:
        raise DemoError(f"the login page has no form (HTTP {form.status_code})")
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise DemoError(f"logging in as {username} failed: HTTP {r.status_code}")


def register_box(client: Any, token: str, *, site: str, device: str, public_key: str) -> None:
    """POST /api/devices with the site's provisioning credential (as `zhifang provision
    register` does). Registering the same box again is harmless."""
    r = client.post(
        "/api/devices",
        json={"name": device, "site": site, "public_key": public_key},
        headers={"Authorization": f"Bearer {token}"},
    )
    if r.status_code not in (200, 201):
        raise DemoError(f"registering the box at central failed: {r.status_code} {r.text}")
