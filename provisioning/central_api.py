"""Central's device API as provisioning uses it: register and revoke a box over HTTP.

Central admits these calls from an admin or from the site's provisioning credential
(``Authorization: Bearer zfp_…``, issued with ``zhifang central provisioning issue``),
for that site's boxes only; both are audited at central with who and why.
The ``httpx.Client`` is passed in (tests pass FastAPI's ``TestClient``); by default one
is made for ``base_url``.
"""

from __future__ import annotations

from typing import Any

import httpx


class CentralError(RuntimeError):
    """Central refused or could not be reached; the message says which and why."""


class CentralDevices:
    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        client: httpx.Client | None = None,
        ca_file: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        verify: Any = ca_file if ca_file else True
        self._client = client or httpx.Client(timeout=timeout, verify=verify)
        self._headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = f"{self.base_url}{path}"
        try:
            return self._client.request(method, url, headers=self._headers, **kw)
        except httpx.HTTPError as e:
            raise CentralError(f"无法连接中心服务 {url}: {e}") from e

    @staticmethod
    def _detail(r: httpx.Response) -> str:
        try:
            body = r.json()
        except ValueError:
            return r.text[:300]
        return str(body.get("detail", body)) if isinstance(body, dict) else str(body)

    def register(self, *, name: str, site: str, public_key: str) -> dict[str, Any]:
        """POST /api/devices. Registering the same name, site and key again is a no-op."""
        r = self._call(
            "POST", "/api/devices", json={"name": name, "site": site, "public_key": public_key}
        )
        if r.status_code not in (200, 201):
            raise CentralError(f"中心拒绝登记设备 {name} (HTTP {r.status_code}): {self._detail(r)}")
        data: dict[str, Any] = r.json()
        return data

    def revoke(self, name: str, *, reason: str) -> dict[str, Any]:
        """POST /api/devices/{name}/revoke: central quarantines its events from now on."""
        r = self._call("POST", f"/api/devices/{name}/revoke", json={"reason": reason})
        if r.status_code != 200:
            raise CentralError(f"中心未能吊销设备 {name} (HTTP {r.status_code}): {self._detail(r)}")
        data: dict[str, Any] = r.json()
        return data
