"""Boxes and provisioning credentials, proven per request.

* ``BoxAuthenticator``: a device-signed request (``protocol.requests``): registered,
  not revoked, signature over method, target, time, nonce and body hash; the time
  within ``MAX_SKEW_MS`` of central's clock; the nonce never seen from that device
  before (``request_nonce``), so a captured request cannot be replayed.
* ``ProvisionerAuthenticator``: ``Authorization: Bearer zfp_<id>_<secret>``, a site's
  provisioning credential (``credentials``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from central.access.gates import Denied
from central.access.principals import Box, Provisioner
from central.db import from_ms, utcnow
from protocol import keys
from protocol.requests import (
    HDR_DEVICE,
    HDR_NONCE,
    HDR_SIG,
    HDR_TS,
    MAX_SKEW_MS,
    NONCE_RE,
    request_message,
)

from . import credentials
from .models import Device, RequestNonce

SKEW = timedelta(milliseconds=MAX_SKEW_MS)


def request_target(request: Request) -> str:
    """The path and query as the client sent them (what the box signed)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


class BoxAuthenticator:
    def __init__(self, *, now: Callable[[], datetime] = utcnow) -> None:
        self._now = now

    def presented(self, request: Request) -> bool:
        return HDR_SIG in request.headers or HDR_DEVICE in request.headers

    async def authenticate(self, request: Request, body: Callable[[], Awaitable[bytes]]) -> Box:
        raw = await body()
        return await run_in_threadpool(self._check, request, raw)

    def _check(self, request: Request, raw: bytes) -> Box:
        h = request.headers
        device, ts, nonce, sig = h.get(HDR_DEVICE), h.get(HDR_TS), h.get(HDR_NONCE), h.get(HDR_SIG)
        if not (device and ts and nonce and sig):
            raise Denied(401, "设备请求未签名（缺少 X-Zhifang-Device / -Ts / -Nonce / -Sig）")
        try:
            ts_ms, signature = int(ts), bytes.fromhex(sig)
        except ValueError:
            raise Denied(401, "设备签名格式错误") from None
        if not NONCE_RE.match(nonce):
            raise Denied(401, "设备请求的 nonce 格式错误")
        now = self._now()
        if not 0 <= ts_ms <= 2**53 - 1 or abs(from_ms(ts_ms) - now) > SKEW:
            raise Denied(401, "设备请求时间与中心相差超过 5 分钟（时钟偏差或重放）")
        with request.app.state.sessions() as s:
            d = s.get(Device, device)
            if d is None or d.revoked_at is not None:
                raise Denied(401, f"设备 {device} 未登记或已吊销")
            msg = request_message(device, request.method, request_target(request), ts_ms,
                                  nonce, raw)  # fmt: skip
            try:
                keys.load_public_b64(d.public_key).verify(signature, msg)
            except Exception:
                raise Denied(401, "设备签名无效") from None
            site = d.site
        # the nonce in a transaction of its own that starts by writing: on SQLite a read
        # followed by a write fails at once ("database is locked") when ingest commits
        # in between, while a first write waits its turn (busy timeout)
        with request.app.state.sessions() as s:
            s.execute(delete(RequestNonce).where(RequestNonce.seen_at < now - 2 * SKEW))
            s.add(RequestNonce(device=device, nonce=nonce, seen_at=now))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                raise Denied(401, "重放的设备请求（nonce 已用过）") from None
        return Box(device=device, site=site)


class ProvisionerAuthenticator:
    def presented(self, request: Request) -> bool:
        return request.headers.get("authorization", "").startswith("Bearer zfp_")

    async def authenticate(
        self, request: Request, body: Callable[[], Awaitable[bytes]]
    ) -> Provisioner:
        token = request.headers["authorization"].removeprefix("Bearer ").strip()
        return await run_in_threadpool(self._check, request, token)

    def _check(self, request: Request, token: str) -> Provisioner:
        with request.app.state.sessions() as s:
            try:
                row = credentials.authenticate(s, token, now=utcnow())
            except credentials.CredentialError as e:
                raise Denied(401, str(e)) from None
            out = Provisioner(credential_id=row.id, site=row.site, label=row.label)
            s.commit()
        return out
