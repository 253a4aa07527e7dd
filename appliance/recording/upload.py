"""Upload spooled segments to central until each is acknowledged.

``Uploader.run_once`` walks the spool's pending manifests oldest first; for each it
opens (or resumes) an upload, sends the missing chunks, finalizes and, on a receipt,
acks the spool (which frees the media). Only a receipt frees a segment:

* network errors, and refusals central marks ``retry`` (the box's quota is used up),
  end the round; everything is offered again next round;
* a segment central *parks* (it does not know the reception yet: its events are still
  on their way) is finalized again next round;
* any other refusal (bytes do not match the manifest, not this box's reception, ...) is
  kept on the box with its reason, logged once, and offered again after
  ``retry_refused_s`` (an admin may have fixed the cause: registered the box, say).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from protocol.evidence import SignedManifest

from .spool import Spool

CHUNK = 1024 * 1024


class Refused(Exception):
    """Central will not take the segment (now); ``retry``: offer it again later."""

    def __init__(self, reason: str, message: str, *, retry: bool = False) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.retry = retry


class Parked(Exception):
    """Central has every byte but does not know the reception yet: finalize again later."""


class EvidenceClient(Protocol):
    """What the uploader needs from central (HTTP, or the fake in tests)."""

    def init(self, manifest: bytes) -> dict[str, Any]: ...
    def put(self, upload_id: str, offset: int, data: bytes) -> dict[str, Any]: ...
    def finalize(self, upload_id: str) -> dict[str, Any]: ...


class HttpEvidenceClient:
    def __init__(self, client: httpx.Client) -> None:
        self.http = client  # base_url, TLS client certificate, timeouts set by the caller

    def _check(self, r: httpx.Response) -> dict[str, Any]:
        if r.status_code in (403, 404, 409, 413, 422, 429):
            detail = r.json().get("detail", {})
            if not isinstance(detail, dict):
                detail = {"message": str(detail)}
            raise Refused(
                detail.get("reason", str(r.status_code)),
                detail.get("message", ""),
                retry=r.status_code == 429 or bool(detail.get("retry")),
            )
        r.raise_for_status()
        out: dict[str, Any] = r.json()
        if r.status_code == 202 and out.get("status") == "parked":
            raise Parked(str(out.get("reason", "")))
        return out

    def init(self, manifest: bytes) -> dict[str, Any]:
        return self._check(self.http.post("/api/evidence/uploads", content=manifest))

    def put(self, upload_id: str, offset: int, data: bytes) -> dict[str, Any]:
        return self._check(
            self.http.put(
                f"/api/evidence/uploads/{upload_id}", params={"offset": offset}, content=data
            )
        )

    def finalize(self, upload_id: str) -> dict[str, Any]:
        return self._check(self.http.post(f"/api/evidence/uploads/{upload_id}/finalize"))


@dataclass
class Uploader:
    spool: Spool
    client: EvidenceClient
    refused: dict[str, str] = field(default_factory=dict)  # manifest hash → reason
    parked: set[str] = field(default_factory=set)  # manifest hashes central parked
    retry_refused_s: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    _retry_at: dict[str, float] = field(default_factory=dict)

    def upload(self, sm: SignedManifest) -> dict[str, Any]:
        st = self.client.init(sm.to_bytes())
        path = self.spool.media_path(sm)
        offset = int(st["received"])
        if st["status"] == "open":
            with path.open("rb") as f:
                f.seek(offset)
                while chunk := f.read(CHUNK):
                    try:
                        st = self.client.put(st["upload_id"], offset, chunk)
                    except Refused as e:
                        if e.reason != "wrong_offset":
                            raise
                        raise ConnectionError("upload offset moved; resume next round") from e
                    offset = int(st["received"])
        return self.client.finalize(st["upload_id"])

    def run_once(self) -> tuple[int, int]:
        """Try every pending segment once; return (acknowledged, still pending)."""
        done = left = 0
        pending = self.spool.pending()
        for n, sm in enumerate(pending):
            mh = sm.manifest_hash()
            if mh in self.refused and self.clock() < self._retry_at.get(mh, 0.0):
                left += 1
                continue
            try:
                receipt = self.upload(sm)
            except Parked:
                self.parked.add(mh)  # central holds it; the receipt comes later
                left += 1
                continue
            except Refused as e:
                if e.retry:  # the box's quota: stop the round, offer it all again later
                    return done, len(pending) - n + left
                self.refused[mh] = str(e)  # kept on the box with its reason
                self._retry_at[mh] = self.clock() + self.retry_refused_s
                left += 1
                continue
            except (httpx.HTTPError, OSError, ConnectionError):
                # network down: stop the round, keep the order, try again later
                return done, len(pending) - n + left
            self.refused.pop(mh, None)
            self.parked.discard(mh)
            self.spool.ack(sm, json.dumps(receipt, ensure_ascii=False).encode("utf-8"))
            done += 1
        return done, left


class FakeEvidenceClient:
    """In-memory central for tests: checks bytes against the manifest like central does."""

    def __init__(self) -> None:
        self.uploads: dict[str, dict[str, Any]] = {}
        self.log: list[bytes] = []
        self.fail_next = 0  # make the next N calls fail like a dropped network

    def _net(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise httpx.ConnectError("network down (fake)")

    def init(self, manifest: bytes) -> dict[str, Any]:
        self._net()
        import hashlib

        uid = hashlib.sha256(manifest).hexdigest()[:16]
        up = self.uploads.setdefault(
            uid, {"upload_id": uid, "manifest": manifest, "data": b"", "status": "open"}
        )
        return {"upload_id": uid, "received": len(up["data"]), "status": up["status"]}

    def put(self, upload_id: str, offset: int, data: bytes) -> dict[str, Any]:
        self._net()
        up = self.uploads[upload_id]
        if offset != len(up["data"]):
            raise Refused("wrong_offset", "resume")
        up["data"] += data
        return {"upload_id": upload_id, "received": len(up["data"]), "status": "open"}

    def finalize(self, upload_id: str) -> dict[str, Any]:
        self._net()
        import hashlib

        from protocol.evidence import parse_signed_manifest

        up = self.uploads[upload_id]
        m = parse_signed_manifest(up["manifest"]).manifest
        if hashlib.sha256(up["data"]).hexdigest() != m.sha256:
            up["status"] = "refused"
            raise Refused("hash_mismatch", "segment bytes do not match the manifest's SHA-256")
        if up["status"] != "done":
            up["status"] = "done"
            self.log.append(up["manifest"])
        return {"leaf_index": self.log.index(up["manifest"])}


def upload_until_acknowledged(
    uploader: Uploader, *, timeout_s: float, retry_s: float = 1.0
) -> bool:
    """Retry rounds until nothing is pending (True) or ``timeout_s`` passed (False)."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        _, left = uploader.run_once()
        if left == 0 or left == len(uploader.refused):
            return left == 0
        if time.monotonic() >= deadline:
            return False
        time.sleep(retry_s)
