"""Template sharing between desks of a site, relayed through central.

A desk that enrolled a person exports them (``TemplateStore.export_person``: signed
consents + templates sealed under the site's template key) and seals the whole
transfer once more under the same key (``seal_transfer``), so central only ever holds
opaque ciphertext: it never has the key. The other desks fetch what is new and import
it (``TemplateStore.import_person`` refuses a person deleted there after that consent,
so a late transfer cannot bring a deleted person back).

Requests are signed with the device key (``DeviceAuth``): central checks the
signature against the registered key, that the device is not revoked, and that it
only reads its own site's transfers.

    TemplateRelay (interface)
    ├── HttpTemplateRelay   httpx against central's ``/api/identity/transfers``
    └── FakeTemplateRelay   in memory, one ``FakeRelayHub`` per site

Errors::

    RelayError
    ├── RelayUnavailable(RelayError, ConnectionError)   network down, time-out, 5xx
    └── RelayRefused(RelayError, PermissionError)       central said no (4xx), with why
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from appliance.http_auth import DeviceAuth
from appliance.identity.templates import PersonTransfer, TemplateStore

__all__ = [
    "FakeRelayHub",
    "FakeTemplateRelay",
    "HttpTemplateRelay",
    "RelayError",
    "RelayRefused",
    "RelayUnavailable",
    "RelayedTransfer",
    "SealedTransfer",
    "TemplateRelay",
    "open_transfer",
    "seal_transfer",
]

TRANSFERS_PATH = "/api/identity/transfers"


class RelayError(Exception):
    """Root of the relay client's errors."""


class RelayUnavailable(RelayError, ConnectionError):
    """Central cannot be reached or failed; try again later."""


class RelayRefused(RelayError, PermissionError):
    """Central refused the request (bad signature, other site, person deleted, ...)."""


class SealedTransfer(BaseModel):
    """What travels to central: the transfer sealed under the site's template key."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    person_id: str = Field(min_length=1, max_length=64, description="dossier / person id")
    made_at: int = Field(ge=0, description="ms when the desk sealed it")
    consents_given_at: int = Field(
        ge=0, description="latest given_at of the consents inside (a later deletion wins)"
    )
    nonce: str = Field(pattern=r"^[0-9a-f]{24}$", description="AES-GCM nonce, hex")
    ciphertext: str = Field(min_length=1, max_length=262_144, description="base64")


class RelayedTransfer(SealedTransfer):
    id: int = Field(ge=1, description="central's id; fetch after the last one seen")
    origin_device: str = Field(description="desk that uploaded it")


def _aad(site: str, person_id: str, made_at: int) -> bytes:
    return json.dumps(["zhifang-transfer-v1", site, person_id, made_at]).encode()


def seal_transfer(
    store: TemplateStore, t: PersonTransfer, *, site: str, now_ms: int
) -> SealedTransfer:
    if not t.consents:
        raise ValueError(f"{t.person_id}: nothing to share (no live consent)")
    nonce, ct = store.seal(t.model_dump_json().encode(), _aad(site, t.person_id, now_ms))
    return SealedTransfer(
        person_id=t.person_id,
        made_at=now_ms,
        consents_given_at=max(c.given_at for c in t.consents),
        nonce=nonce.hex(),
        ciphertext=base64.b64encode(ct).decode(),
    )


def open_transfer(store: TemplateStore, s: SealedTransfer, *, site: str) -> PersonTransfer:
    """Raises TemplateCorrupt (wrong site key, tampered) or ValueError (bad content)."""
    raw = store.unseal(
        bytes.fromhex(s.nonce), base64.b64decode(s.ciphertext), _aad(site, s.person_id, s.made_at)
    )
    t = PersonTransfer.model_validate_json(raw)
    if t.person_id != s.person_id:
        raise ValueError(f"transfer names {t.person_id}, its label {s.person_id}")
    return t


class TemplateRelay(Protocol):
    def push(self, t: SealedTransfer) -> int:
        """Upload; returns central's id. Raises RelayRefused / RelayUnavailable."""
        ...

    def fetch(self, after: int, limit: int = 100) -> list[RelayedTransfer]:
        """The site's transfers with id > ``after`` from other desks, oldest first."""
        ...


class HttpTemplateRelay:
    def __init__(
        self,
        http: httpx.Client,
        *,
        device: str,
        key: Ed25519PrivateKey,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self._http = http
        self._auth = DeviceAuth(device, key, clock_ms=clock_ms)

    def _call(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            r = self._http.request(
                method, path, content=body or None, headers=headers, auth=self._auth
            )
        except httpx.HTTPError as e:
            raise RelayUnavailable(f"central unreachable: {e}") from e
        if r.status_code >= 500:
            raise RelayUnavailable(f"central failed: HTTP {r.status_code}")
        if r.status_code >= 400:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise RelayRefused(f"central refused ({r.status_code}): {str(detail)[:300]}")
        return r

    def push(self, t: SealedTransfer) -> int:
        r = self._call("POST", TRANSFERS_PATH, t.model_dump_json().encode())
        return int(r.json()["id"])

    def fetch(self, after: int, limit: int = 100) -> list[RelayedTransfer]:
        r = self._call("GET", f"{TRANSFERS_PATH}?after={after}&limit={limit}")
        try:
            return [RelayedTransfer.model_validate(i) for i in r.json()["items"]]
        except (ValidationError, KeyError, TypeError, ValueError) as e:
            raise RelayUnavailable(f"central answered something unreadable: {e}") from e


@dataclass
class FakeRelayHub:
    """Central's relay for one site, in memory. ``online = False`` fails every call."""

    items: list[RelayedTransfer] = field(default_factory=list)
    deleted: dict[str, int] = field(default_factory=dict)  # person → deleted_at
    online: bool = True
    next_id: int = 1

    def client(self, device: str) -> FakeTemplateRelay:
        return FakeTemplateRelay(self, device)

    def delete_person(self, person_id: str, deleted_at: int) -> None:
        self.deleted[person_id] = max(deleted_at, self.deleted.get(person_id, 0))
        self.items = [
            i for i in self.items if i.person_id != person_id or i.consents_given_at > deleted_at
        ]


@dataclass
class FakeTemplateRelay:
    hub: FakeRelayHub
    device: str

    def push(self, t: SealedTransfer) -> int:
        if not self.hub.online:
            raise RelayUnavailable("fake central is offline")
        if self.hub.deleted.get(t.person_id, -1) >= t.consents_given_at:
            raise RelayRefused(f"{t.person_id} was deleted after that consent")
        item = RelayedTransfer(**t.model_dump(), id=self.hub.next_id, origin_device=self.device)
        self.hub.next_id += 1
        self.hub.items.append(item)
        return item.id

    def fetch(self, after: int, limit: int = 100) -> list[RelayedTransfer]:
        if not self.hub.online:
            raise RelayUnavailable("fake central is offline")
        new = [i for i in self.hub.items if i.id > after and i.origin_device != self.device]
        return new[:limit]
