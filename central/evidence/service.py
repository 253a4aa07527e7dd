"""Evidence service: resumable segment uploads, blobs by content hash, receipts.

The router only translates HTTP to these calls, passing who calls (``caller_device``,
``caller_site``: the box that signed the request). A box uploads only its own
recordings of its own receptions, within its quota (``binding.py``); a segment of a
reception central does not know yet is parked, and logged once the reception shows
it is the box's. Every refusal is an ``UploadRefused`` with a machine ``reason`` and a
sentence, and is logged; nothing half-received is ever stored as a blob or logged.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.database import unit_of_work
from central.db import utcnow
from central.devices.models import Device
from protocol import keys
from protocol.bundle import InclusionProof
from protocol.evidence import (
    EvidenceError,
    SegmentManifest,
    SignedManifest,
    parse_signed_manifest,
)

from . import binding
from .binding import DeviceSite, ReceptionOwner, UploadLimits, UploadRefused
from .log import Entry, EvidenceLog, load_log_key
from .models import Blob, Upload
from .playback import PlaybackCache
from .status import reception_segment, reception_status  # read side; imported from here too

log = logging.getLogger(__name__)

MAX_CHUNK = 8 * 1024 * 1024
DeviceKeyLookup = Callable[[Session, str], Ed25519PublicKey | None]
# told of an upload for another box's reception (``alerts.service.raise_foreign_reception``:
# the app passes it in, as evidence sits below the alerts that read across records)
ForeignAlert = Callable[..., object]

__all__ = [
    "EvidenceService",
    "Parked",
    "Receipt",
    "UploadLimits",
    "UploadRefused",
    "reception_segment",
    "reception_status",
]


def registered_device_key(session: Session, device: str) -> Ed25519PublicKey | None:
    """The key central.devices registered for ``device`` (None if unknown/revoked)."""

    row = session.get(Device, device)
    if row is None or row.revoked_at is not None:
        return None
    return keys.load_public_b64(row.public_key)


class BlobStore:
    """Files named by their SHA-256 under ``root/ab/cd/<hash>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_file(self, src: Path, sha256: str) -> Path:
        dest = self.path(sha256)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(src, 0o444)  # evidence is never edited in place
        os.replace(src, dest)  # same filesystem (uploads/ sits next to blobs/)
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return dest

    def put_bytes(self, data: bytes) -> str:
        """Keep ``data`` once (written whole to a temporary file, synced, then moved in);
        its SHA-256. The same bytes again are the same file."""
        digest = hashlib.sha256(data).hexdigest()
        dest = self.path(digest)
        if dest.exists():
            return digest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self.put_file(Path(tmp), digest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def read_checked(self, sha256: str) -> bytes | None:
        """The file's bytes, or None when they no longer hash to its name."""
        data = self.path(sha256).read_bytes()
        return data if hashlib.sha256(data).hexdigest() == sha256 else None


@dataclass(frozen=True)
class Parked:
    """Every byte arrived and matches its manifest, but the segment is not logged yet:
    central does not know the reception (its events are on their way). The box keeps
    it and asks to finalize again."""

    upload_id: str
    reason: str


@dataclass
class Receipt:
    leaf_index: int
    manifest_hash: str
    checkpoint: str  # the signed note text
    proof: InclusionProof

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "manifest_hash": self.manifest_hash,
            "checkpoint": self.checkpoint,
            "proof": self.proof.model_dump(mode="json"),
        }


class EvidenceService:
    def __init__(
        self,
        *,
        log: EvidenceLog,
        data_dir: Path,
        device_key: DeviceKeyLookup = registered_device_key,
        device_site: DeviceSite = binding.registered_site,
        reception_owner: ReceptionOwner = binding.reception_owner,
        limits: UploadLimits | None = None,
        witness_keys: Sequence[tuple[str, Ed25519PublicKey]] = (),
        on_foreign: ForeignAlert | None = None,
    ) -> None:
        self.log = log
        self._on_foreign = on_foreign
        self.witness_keys = tuple(witness_keys)  # exported so bundles carry them
        self.blobs = BlobStore(data_dir / "blobs")
        # derived, browser-playable copies of video segments: beside the blobs, not in them
        self.playback = PlaybackCache(data_dir / "playable")
        self.uploads_dir = data_dir / "uploads"
        self.device_key = device_key
        self.device_site = device_site
        self.reception_owner = reception_owner
        self.limits = limits or UploadLimits()

    def _part(self, upload_id: str) -> Path:
        return self.uploads_dir / f"{upload_id}.part"

    def _refused(self, e: UploadRefused, caller: str, what: str) -> UploadRefused:
        log.warning("evidence upload refused (%s) for %s, %s: %s", e.reason, caller, what, e)
        return e

    def init_upload(
        self, session: Session, *, manifest_bytes: bytes, caller_device: str, caller_site: str
    ) -> Upload:
        """Open (or resume) the upload of a segment described by a signed manifest;
        committed. A refusal opens nothing but is committed too: it keeps the alert a
        foreign upload raised."""
        with unit_of_work(session, keep_on=(UploadRefused,)):
            return self._open_upload(
                session, manifest_bytes, caller_device=caller_device, caller_site=caller_site
            )

    def _open_upload(
        self, session: Session, manifest_bytes: bytes, *, caller_device: str, caller_site: str
    ) -> Upload:
        try:
            sm = parse_signed_manifest(manifest_bytes)
        except EvidenceError as e:
            refused = UploadRefused(str(e), reason=f"manifest_{e.reason}")
            raise self._refused(refused, caller_device, "an unreadable manifest") from e
        m = sm.manifest
        what = f"reception {m.reception_id} segment {m.index}"
        try:
            binding.check_size(m, self.limits)
            binding.check_caller(
                session, m, caller_device=caller_device, caller_site=caller_site,
                device_site=self.device_site,
            )  # fmt: skip
            public = self.device_key(session, m.device)
            if public is None:
                raise UploadRefused(
                    f"设备 {m.device} 未登记或已吊销", reason="unknown_device", status=403
                )
            try:
                sm.verify(public)
            except EvidenceError as e:
                raise UploadRefused(str(e), reason=f"manifest_{e.reason}", status=403) from e
            mh = sm.manifest_hash()
            existing = session.scalar(
                select(Upload).where(Upload.manifest_hash == mh, Upload.status != "refused")
            )
            if existing is not None:
                return existing  # a retry after a lost answer: resume it
            if (m.index == 0) != (m.prev is None):
                raise UploadRefused(
                    f"segment {m.index} {'has' if m.index == 0 else 'lacks'} a previous hash",
                    reason="chain_broken",
                )
            owner = self.reception_owner(session, m.reception_id)
            if binding.check_owner(owner, m):
                self._check_chain(session, sm)
            binding.check_quota(session, m, self.limits)
        except UploadRefused as e:
            if e.reason == "foreign_reception":
                self._alert_foreign(session, m, self.reception_owner(session, m.reception_id))
            raise self._refused(e, caller_device, what) from None
        up = Upload(
            id=str(uuid.uuid4()),
            device=m.device,
            manifest=sm.to_bytes(),
            manifest_hash=mh,
            reception_id=m.reception_id,
            seg_index=m.index,
            size=m.size,
        )
        session.add(up)
        session.flush()
        return up

    def _check_chain(self, session: Session, sm: SignedManifest) -> None:
        """Against what is logged for the reception: one segment per index (a second
        segment 0 too is refused), each chained to the logged one before it."""
        m = sm.manifest
        for leaf in self.log.reception_leaves(session, m.reception_id):
            if leaf.seg_index == m.index - 1 and hashlib.sha256(leaf.data).hexdigest() != m.prev:
                raise UploadRefused(
                    f"manifest {m.index} does not chain to the logged manifest {m.index - 1}",
                    reason="chain_broken",
                )
            if leaf.seg_index == m.index:
                raise UploadRefused(
                    f"reception already has a different manifest {m.index}", reason="duplicate"
                )

    def _alert_foreign(self, session: Session, m: SegmentManifest, owner: str | None) -> None:
        if owner is None or self._on_foreign is None:
            return
        self._on_foreign(
            session,
            reception_id=m.reception_id,
            owner=owner,
            owner_site=self.device_site(session, owner),
            intruder=m.device,
            intruder_site=self.device_site(session, m.device),
            what=f"录像片段 {m.index}",
            now=utcnow(),
        )

    def get_upload(
        self, session: Session, upload_id: str, *, caller_device: str, caller_site: str
    ) -> Upload:
        up = session.get(Upload, upload_id)
        if up is None:
            raise UploadRefused(f"no upload {upload_id}", reason="not_found", status=404)
        if up.device != caller_device or self.device_site(session, caller_device) != caller_site:
            e = UploadRefused(
                f"upload {upload_id} is not {caller_device}'s", reason="foreign_device", status=403
            )
            raise self._refused(e, caller_device, f"upload {upload_id}")
        return up

    def put_chunk(
        self,
        session: Session,
        *,
        upload_id: str,
        offset: int,
        data: bytes,
        caller_device: str,
        caller_site: str,
    ) -> Upload:
        """The chunk at ``offset`` (fsynced), committed; a refusal writes nothing."""
        with unit_of_work(session):
            return self._put_chunk(
                session, upload_id=upload_id, offset=offset, data=data,
                caller_device=caller_device, caller_site=caller_site,
            )  # fmt: skip

    def _put_chunk(
        self,
        session: Session,
        *,
        upload_id: str,
        offset: int,
        data: bytes,
        caller_device: str,
        caller_site: str,
    ) -> Upload:
        up = self.get_upload(
            session, upload_id, caller_device=caller_device, caller_site=caller_site
        )
        if up.status != "open":
            raise UploadRefused(f"upload is {up.status}", reason=up.status, status=409)
        if len(data) > MAX_CHUNK:
            raise UploadRefused("chunk too large", reason="chunk_too_large", status=413)
        size = parse_signed_manifest(up.manifest).manifest.size
        if offset != up.received:
            raise UploadRefused(
                f"offset {offset} but {up.received} bytes received: resume from there",
                reason="wrong_offset",
                status=409,
            )
        if offset + len(data) > size:
            raise UploadRefused(
                f"more bytes than the manifest's {size}", reason="size_mismatch", status=422
            )
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        part = self._part(upload_id)
        with open(part, "r+b" if part.exists() else "wb") as f:
            f.truncate(offset)  # drop bytes of a chunk whose answer was lost
            f.seek(offset)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        up.received = offset + len(data)
        session.flush()
        return up

    def finalize(
        self, session: Session, *, upload_id: str, caller_device: str, caller_site: str
    ) -> Receipt | Parked:
        """Check the bytes, store the blob, and log the manifest if the reception is the
        box's; ``Parked`` while central does not know the reception yet. Committed, a
        refusal too (the upload keeps its reason)."""
        with unit_of_work(session, keep_on=(UploadRefused,)):
            return self._finalize(
                session, upload_id=upload_id, caller_device=caller_device, caller_site=caller_site
            )

    def _finalize(
        self, session: Session, *, upload_id: str, caller_device: str, caller_site: str
    ) -> Receipt | Parked:
        up = self.get_upload(
            session, upload_id, caller_device=caller_device, caller_site=caller_site
        )
        sm = parse_signed_manifest(up.manifest)
        if up.status == "done":
            return self.receipt(session, sm)
        if up.status == "refused":
            raise UploadRefused(f"upload was refused: {up.reason}", reason="refused")
        if up.status == "open":
            self._store_blob(session, up, sm)
        return self._log_if_owned(session, up, sm)

    def _store_blob(self, session: Session, up: Upload, sm: SignedManifest) -> None:
        part = self._part(up.id)
        m = sm.manifest
        blob = self.blobs.path(m.sha256)
        # a crash after the move into the blob store but before the commit leaves the
        # bytes there and no part file: finalize again from the blob
        source = part if part.exists() or not blob.exists() else blob
        h, size = hashlib.sha256(), 0
        if source.exists():
            with source.open("rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    size += len(chunk)
        reason = None
        if size != m.size:
            reason = ("size_mismatch", f"received {size} bytes, the manifest says {m.size}")
        elif h.hexdigest() != m.sha256:
            reason = ("hash_mismatch", "segment bytes do not match the manifest's SHA-256")
        if reason is not None:
            up.status, up.reason = "refused", f"{reason[0]}: {reason[1]}"
            part.unlink(missing_ok=True)
            session.flush()
            e = UploadRefused(reason[1], reason=reason[0])
            raise self._refused(e, up.device, f"reception {m.reception_id} segment {m.index}")
        if source == part:
            if blob.exists():
                part.unlink()  # the same bytes are stored already
            else:
                self.blobs.put_file(part, m.sha256)
        if session.get(Blob, m.sha256) is None:
            session.add(Blob(sha256=m.sha256, size=size))
        up.status = "parked"  # complete and checked; logged below if the reception is known
        session.flush()

    def _log_if_owned(self, session: Session, up: Upload, sm: SignedManifest) -> Receipt | Parked:
        m = sm.manifest
        what = f"reception {m.reception_id} segment {m.index}"
        owner = self.reception_owner(session, m.reception_id)
        try:
            if not binding.check_owner(owner, m):
                up.reason = "reception not known at central yet"
                session.flush()
                log.info("evidence %s from %s parked: %s", what, up.device, up.reason)
                return Parked(up.id, up.reason)
            existing = self.log.leaf(session, up.manifest_hash)
            if existing is None:
                self._check_chain(session, sm)
        except UploadRefused as e:
            if e.reason == "foreign_reception":
                self._alert_foreign(session, m, owner)
            up.status, up.reason = "refused", f"{e.reason}: {e}"[:500]
            session.flush()
            raise self._refused(e, up.device, what) from None
        if existing is None:
            entry = Entry(sm.to_bytes(), up.manifest_hash, m.reception_id, m.index)
            [index] = self.log.append(session, [entry])
        else:
            index = existing.leaf_index
        up.status, up.leaf_index, up.reason = "done", index, None
        session.flush()
        return self.receipt(session, sm)

    def checkpoint(self, session: Session) -> bytes:
        """The log's signed checkpoint of its current size (``EvidenceLog.checkpoint``:
        made and stored once per size), committed."""
        with unit_of_work(session):
            return self.log.checkpoint(session)

    def receipt(self, session: Session, sm: SignedManifest) -> Receipt:
        leaf = self.log.leaf(session, sm.manifest_hash())
        if leaf is None:
            raise UploadRefused("manifest is not in the log", reason="not_found", status=404)
        cp = self.log.checkpoint(session)
        size = self.log.size(session)
        proof = self.log.inclusion_proof(session, leaf.leaf_index, size)
        return Receipt(
            leaf_index=leaf.leaf_index,
            manifest_hash=sm.manifest_hash(),
            checkpoint=cp.decode("utf-8"),
            proof=InclusionProof(
                leaf_index=leaf.leaf_index,
                tree_size=size,
                hashes=tuple(keys.b64e(h) for h in proof),
            ),
        )


def open_log(data_dir: Path, *, origin: str | None = None) -> EvidenceLog:
    """The site's log: key and origin kept under ``data_dir/keys`` (made on first use).

    The origin is fixed when the key is made: every checkpoint ever signed names it.
    """

    key_path = data_dir / "keys" / "evidence-log.key"
    origin_path = data_dir / "keys" / "evidence-log.origin"
    key = load_log_key(key_path)
    if origin_path.exists():
        stored = origin_path.read_text("utf-8").strip()
        if origin is not None and origin != stored:
            raise ValueError(f"log origin is {stored!r}; it cannot change to {origin!r}")
        origin = stored
    else:
        origin = origin or "zhifang.local/evidence"
        origin_path.write_text(origin + "\n", encoding="utf-8")
    return EvidenceLog(origin=origin, key=key)


def make_service(
    data_dir: Path, *, limits: UploadLimits | None = None, on_foreign: ForeignAlert | None = None
) -> EvidenceService:
    """What ``create_app`` puts on ``app.state.evidence`` (``limits`` from settings,
    ``on_foreign`` the alert of an upload for another box's reception)."""
    return EvidenceService(
        log=open_log(data_dir), data_dir=data_dir / "evidence", limits=limits,
        on_foreign=on_foreign,
    )  # fmt: skip
