"""Central's command key for tests that play central towards a box, and the commands
it signs (``protocol.control``). A box under test pins ``CENTRAL.public_key()``."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import control, keys
from protocol.messages import Command

CENTRAL = Ed25519PrivateKey.generate()  # one per test run: nothing outside tests trusts it
CENTRAL_PUBLIC = keys.public_key_b64(CENTRAL)


def now_ms() -> int:
    return int(time.time() * 1000)


def command(
    site: str,
    device: str,
    name: str,
    cmd_id: str,
    body: dict[str, Any] | None = None,
    *,
    issued_at: int | None = None,
    key: Ed25519PrivateKey = CENTRAL,
) -> bytes:
    """What central publishes on ``cmd/{name}`` of ``site/device``."""
    cmd = Command(
        cmd_id=cmd_id, issued_at=now_ms() if issued_at is None else issued_at, body=body or {}
    )
    return control.sign_command(key, site=site, device=device, command=name, cmd=cmd).to_wire()


def signed_command(site: str, device: str, name: str, cmd: Command) -> bytes:
    """``cmd`` (as a handler sees it) signed by central for ``site/device``."""
    return control.sign_command(CENTRAL, site=site, device=device, command=name, cmd=cmd).to_wire()
