"""Regenerate the signed control-traffic vectors: ``python -m protocol.vectors.generate_control``.

Status and ack are signed with the published device seed of ``generate.py``; commands
with a published "central" seed. Invalid vectors are named after the attack they model;
each says which check refuses it (``reason``) and against what (``check``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import control, keys
from protocol.canonical import canonical_json
from protocol.messages import Command, CommandAck

from .generate import DEVICE, SEED, T0

CENTRAL_SEED = bytes(range(32, 64))  # a published test key: never use it for anything real
SITE = "minhou"


def _tamper(
    msg: control.SignedStatus | control.SignedAck | control.SignedCommand, **kw: Any
) -> str:
    """The message with fields changed after signing (the signature left as it was)."""
    return canonical_json({**msg.model_dump(mode="json"), **kw}).decode()


def build() -> dict[str, Any]:
    device = Ed25519PrivateKey.from_private_bytes(SEED)
    central = Ed25519PrivateKey.from_private_bytes(CENTRAL_SEED)
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
    status = control.sign_status(device, site=SITE, device=DEVICE, state="online", ts=T0)
    ack = control.sign_ack(
        device, site=SITE, device=DEVICE, command="biometric_delete",
        ack=CommandAck(cmd_id="cmd-1", ok=True, detail="deleted"), ts=T0 + 1000,
    )  # fmt: skip
    cmd = Command(cmd_id="cmd-2", issued_at=T0, body={"from_seq": 3, "to_seq": 4})

    def signed_cmd(key: Ed25519PrivateKey = central, **where: str) -> control.SignedCommand:
        kw = {"site": SITE, "device": DEVICE, "command": "resend", **where}
        return control.sign_command(key, cmd=cmd, **kw)

    command = signed_cmd()
    check = {"site": SITE, "device": DEVICE, "command": "resend", "now_ms": T0 + 60_000}
    return {
        "device_public_key": keys.public_key_b64(device),
        "central_public_key": keys.public_key_b64(central),
        "command_check": check,
        "valid": [
            {"kind": "status", "wire": status.to_wire().decode()},
            {"kind": "ack", "wire": ack.to_wire().decode()},
            {"kind": "command", "wire": command.to_wire().decode()},
        ],
        "invalid": [
            {"name": "status-unsigned", "kind": "status", "reason": "unsigned",
             "wire": json.dumps({"device": DEVICE, "state": "online", "ts": T0})},
            {"name": "status-state-flipped", "kind": "status", "reason": "bad_signature",
             "wire": _tamper(status, state="offline")},
            {"name": "status-by-another-key", "kind": "status", "reason": "bad_signature",
             "wire": control.sign_status(other, site=SITE, device=DEVICE, state="online",
                                         ts=T0).to_wire().decode()},
            {"name": "ack-unsigned", "kind": "ack", "reason": "unsigned",
             "wire": CommandAck(cmd_id="cmd-1", ok=True).model_dump_json()},
            {"name": "ack-ok-flipped", "kind": "ack", "reason": "bad_signature",
             "wire": _tamper(ack, ok=False)},
            {"name": "command-unsigned", "kind": "command", "reason": "unsigned",
             "wire": cmd.model_dump_json()},
            {"name": "command-by-another-key", "kind": "command", "reason": "unknown_key",
             "wire": signed_cmd(other).to_wire().decode()},
            {"name": "command-body-changed", "kind": "command", "reason": "bad_signature",
             "wire": _tamper(command, body={"from_seq": 1, "to_seq": 4})},
            {"name": "command-for-another-box", "kind": "command", "reason": "wrong_target",
             "wire": signed_cmd(device="desk-02").to_wire().decode()},
            {"name": "command-renamed", "kind": "command", "reason": "wrong_target",
             "wire": signed_cmd(command="biometric_delete").to_wire().decode()},
            {"name": "command-replayed-a-day-later", "kind": "command", "reason": "stale",
             "wire": command.to_wire().decode(), "now_ms": T0 + 25 * 3600 * 1000},
        ],
    }  # fmt: skip


if __name__ == "__main__":
    out = Path(__file__).with_name("control.json")
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
