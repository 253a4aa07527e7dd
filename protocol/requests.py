"""Signed HTTP requests from a box to central (template relay): which bytes the
device key signs, and the headers that carry the signature. Defined once, here."""

from __future__ import annotations

import hashlib

from .canonical import canonical_json

HDR_DEVICE, HDR_TS, HDR_SIG = "X-Zhifang-Device", "X-Zhifang-Ts", "X-Zhifang-Sig"


def request_message(device: str, method: str, path: str, ts_ms: int, body: bytes) -> bytes:
    """What the device signs: the request's method, path, time and body hash. The path
    is signed as sent, so a proxy that rewrites the path prefix breaks the signature."""
    return canonical_json(
        {
            "v": "zhifang-req-v1",
            "device": device,
            "method": method.upper(),
            "path": path,
            "ts": ts_ms,
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
    )
