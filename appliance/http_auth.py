"""``DeviceAuth``: every HTTP request the box makes to central, signed by its device key.

An ``httpx.Auth``, so each client the box builds (dossier look-ups, evidence uploads,
the template relay) signs the same way: pass ``auth=DeviceAuth(device, key)``. The
signed bytes are defined in ``protocol.requests``; central refuses an unsigned,
stale or replayed request (401) and one about another site's records (403).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.requests import signed_headers

__all__ = ["DeviceAuth"]


class DeviceAuth(httpx.Auth):
    requires_request_body = True  # the body's hash is signed

    def __init__(
        self,
        device: str,
        key: Ed25519PrivateKey,
        *,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.device, self._key, self._clock = device, key, clock_ms

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("ascii")  # path and query, as sent
        request.headers.update(
            signed_headers(
                self._key,
                device=self.device,
                method=request.method,
                target=target,
                body=request.content,
                ts_ms=self._clock(),
            )
        )
        yield request
