"""Signed HTTP requests from a box to central: which bytes the device key signs, and
the headers that carry the signature. Defined once, here; the box's ``DeviceAuth``
(appliance) makes them and central's box gate (``central.access.boxauth``) checks them.

What is signed (``zhifang-req-v2``): the device, the method, the request target (path
*and* query string, as sent: a proxy that rewrites either breaks the signature), the
time in ms, a random nonce, and the SHA-256 of the body. Central refuses a request
older or newer than a few minutes and a nonce it has seen from that device before,
so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .canonical import canonical_json

HDR_DEVICE, HDR_TS, HDR_SIG = "X-Zhifang-Device", "X-Zhifang-Ts", "X-Zhifang-Sig"
HDR_NONCE = "X-Zhifang-Nonce"
VERSION = "zhifang-req-v2"
NONCE_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_SKEW_MS = 5 * 60 * 1000


def request_message(
    device: str, method: str, target: str, ts_ms: int, nonce: str, body: bytes
) -> bytes:
    """What the device signs. ``target`` is the path plus ``?query`` when there is one,
    exactly as sent on the request line."""
    return canonical_json(
        {
            "v": VERSION,
            "device": device,
            "method": method.upper(),
            "target": target,
            "ts": ts_ms,
            "nonce": nonce,
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
    )


def new_nonce() -> str:
    return secrets.token_hex(16)


def signed_headers(
    key: Ed25519PrivateKey,
    *,
    device: str,
    method: str,
    target: str,
    body: bytes,
    ts_ms: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers that prove which device sent this request."""
    nonce = nonce or new_nonce()
    msg = request_message(device, method, target, ts_ms, nonce, body)
    return {
        HDR_DEVICE: device,
        HDR_TS: str(ts_ms),
        HDR_NONCE: nonce,
        HDR_SIG: key.sign(msg).hex(),
    }
