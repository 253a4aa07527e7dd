"""The evidence bundle and its offline verifier (manifests: ``protocol/evidence.py``).

Bundle layout (``zhifang evidence export``), verified by ``verify_bundle`` with
nothing but this package::

    bundle.json                 reception, device, log origin, segment count
    keys/device.pub             base64 Ed25519 public key of the box
    keys/log.vkey               C2SP verifier key of the log
    keys/witness-<name>.pub     base64 Ed25519 keys of witnesses (optional)
    keys/tsa.pem                the timestamp authority's certificate chain (optional)
    manifests/NNNNNN.json       signed manifests, canonical JSON
    media/NNNNNN.<container>    the segments
    proofs/NNNNNN.json          inclusion proof of each manifest in the checkpoint
    checkpoint.note             signed checkpoint (+ witness cosignatures)
    checkpoint.tsr              RFC 3161 response over the checkpoint's text, i.e. the
                                note without its signature lines (optional)
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import keys, merkle, note
from .canonical import canonical_json
from .errors import ProtocolError
from .evidence import (
    MAX_JSON_BYTES,
    EvidenceError,
    ReceptionId,
    SignedManifest,
    parse_signed_manifest,
    strict_json,
)

FORMAT: Literal["zhifang-evidence-bundle/1"] = "zhifang-evidence-bundle/1"


class InclusionProof(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    leaf_index: int = Field(ge=0, description="the manifest's leaf in the log")
    tree_size: int = Field(ge=1, description="size of the checkpoint the proof is for")
    hashes: tuple[str, ...] = Field(max_length=64, description="base64, deepest first")

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))

    def raw_hashes(self) -> list[bytes]:
        try:
            return [keys.b64d(h) for h in self.hashes]
        except ValueError as e:
            raise EvidenceError("proof hash is not base64", reason="bad_proof") from e


class BundleIndex(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    format: Literal["zhifang-evidence-bundle/1"] = FORMAT
    reception_id: ReceptionId
    device: str = Field(min_length=1, max_length=63)
    log_origin: str = Field(min_length=1, max_length=200)
    segments: int = Field(ge=1, le=10**7, description="number of manifests in the bundle")
    witnesses: tuple[str, ...] = Field(default=(), description="witness names expected")

    def to_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


# --- verification --------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    code: str  # machine name of the failed check
    where: str  # file in the bundle
    message: str  # human sentence


@dataclass
class Report:
    failures: list[Failure] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.passed)

    def fail(self, code: str, where: str, message: str) -> None:
        self.failures.append(Failure(code, where, message))


TimestampCheck = Callable[[bytes, bytes, Path], str]
"""(checkpoint text bytes, RFC 3161 response bytes, TSA cert file) → gen time; raises."""


@dataclass(frozen=True)
class Trust:
    """Keys the verifier pins (published elsewhere); None = take the bundle's own."""

    device_key: Ed25519PublicKey | None = None
    log_vkey: str | None = None
    witnesses: tuple[tuple[str, Ed25519PublicKey], ...] = ()


def _read(path: Path, r: Report, root: Path) -> bytes | None:
    """A small bundle file (JSON, key, note), or None with the failure recorded."""
    where = str(path.relative_to(root))
    try:
        if path.is_symlink() or not path.is_file():
            raise FileNotFoundError(where)
        if path.stat().st_size > MAX_JSON_BYTES:  # never load a giant file to refuse it
            r.fail("too_large", where, f"文件过大 (over {MAX_JSON_BYTES} bytes)")
            return None
        return path.read_bytes()
    except OSError:
        r.fail("missing_file", where, "文件缺失 (file missing)")
        return None


def verify_bundle(
    directory: Path | str,
    *,
    trust: Trust | None = None,
    timestamp_check: TimestampCheck | None = None,
) -> Report:
    """Check everything in a bundle; the report names every failed check."""
    root = Path(directory)
    trust = trust or Trust()
    r = Report()
    raw = _read(root / "bundle.json", r, root)
    if raw is None:
        return r
    try:
        strict_json(raw, "bundle.json")
        index = BundleIndex.model_validate_json(raw)
    except (EvidenceError, ValidationError) as e:
        r.fail("bad_index", "bundle.json", str(e))
        return r
    r.facts.update(reception_id=index.reception_id, device=index.device, segments=index.segments)

    # keys
    device_key = trust.device_key
    if device_key is None:
        dk = _read(root / "keys/device.pub", r, root)
        try:
            device_key = keys.load_public_b64(dk.decode("ascii").strip()) if dk else None
        except (ValueError, UnicodeDecodeError):
            r.fail("bad_key", "keys/device.pub", "device public key is not base64 Ed25519")
    log_v: note.NoteVerifier | None = None
    vk = trust.log_vkey
    if vk is None:
        vb = _read(root / "keys/log.vkey", r, root)
        vk = vb.decode("utf-8", "replace") if vb else None
    if vk is not None:
        try:
            log_v = note.NoteVerifier.from_vkey(vk)
        except (note.NoteError, ValueError) as e:
            r.fail("bad_key", "keys/log.vkey", str(e))
    if device_key is not None:
        r.facts["device_key_id"] = keys.key_id(device_key)
    if log_v is not None:
        r.facts["log_key"] = log_v.vkey()

    # checkpoint, cosignatures, timestamp
    cp: note.Checkpoint | None = None
    cp_raw = _read(root / "checkpoint.note", r, root)
    if cp_raw is not None and log_v is not None:
        try:
            cp, cp_note = note.open_checkpoint(cp_raw, log_v)
            if cp.origin != index.log_origin:
                raise note.NoteError("checkpoint is of another log", reason="wrong_origin")
            r.passed.append("checkpoint_signature")
            r.facts.update(tree_size=cp.size, root_hash=cp.root_hash.hex())
            _check_witnesses(root, index, trust, cp_note, r)
        except note.NoteError as e:
            r.fail(f"checkpoint_{e.reason}", "checkpoint.note", str(e))
            cp = None
    tsr = root / "checkpoint.tsr"
    if tsr.exists() and cp_raw is not None:
        check = timestamp_check or openssl_ts_verify
        try:
            # over the text, so witness cosignatures added later do not change what is stamped
            stamped = note.parse_note(cp_raw).text.encode("utf-8")
            r.facts["timestamp"] = check(stamped, tsr.read_bytes(), root / "keys/tsa.pem")
            r.passed.append("rfc3161_timestamp")
        except (ProtocolError, OSError) as e:
            r.fail("timestamp_invalid", "checkpoint.tsr", f"RFC 3161 时间戳无效: {e}")

    _check_segments(root, index, device_key, cp, r)
    return r


def _check_witnesses(
    root: Path, index: BundleIndex, trust: Trust, cp_note: note.Note, r: Report
) -> None:
    pinned = dict(trust.witnesses)
    # a pinned witness is required even if the bundle's index leaves it out
    for name in sorted(set(index.witnesses) | set(pinned)):
        where = f"keys/witness-{name.replace('/', '_')}.pub"
        public = pinned.get(name)
        if public is None:
            raw = _read(root / where, r, root)
            if raw is None:
                continue
            try:
                public = keys.load_public_b64(raw.decode("ascii").strip())
            except (ValueError, UnicodeDecodeError):
                r.fail("bad_key", where, "witness key is not base64 Ed25519")
                continue
        try:
            ts = note.CosignatureVerifier(name, public).verify(cp_note)
            r.passed.append(f"cosignature:{name}")
            r.facts.setdefault("witnesses", {})[name] = ts
        except note.NoteError as e:
            r.fail(f"witness_{e.reason}", "checkpoint.note", str(e))


def _check_segments(
    root: Path,
    index: BundleIndex,
    device_key: Ed25519PublicKey | None,
    cp: note.Checkpoint | None,
    r: Report,
) -> None:
    prev_hash: str | None = None
    seen_hashes: set[str] = set()
    extra = sorted(p.name for p in (root / "manifests").glob("*.json"))
    expected = [f"{i:06d}.json" for i in range(index.segments)]
    for name in sorted(set(extra) - set(expected)):
        r.fail("unexpected_manifest", f"manifests/{name}", "清单之外的多余文件 (not in the chain)")
    participants: set[tuple[str, str]] = set()
    start = end = None
    for i in range(index.segments):
        where = f"manifests/{i:06d}.json"
        raw = _read(root / where, r, root)
        if raw is None:
            prev_hash = None
            continue
        try:
            sm = parse_signed_manifest(raw, where)
        except EvidenceError as e:
            r.fail(f"manifest_{e.reason}", where, str(e))
            prev_hash = None
            continue
        m = sm.manifest
        if device_key is not None:
            try:
                sm.verify(device_key)
            except EvidenceError as e:
                r.fail(f"manifest_{e.reason}", where, str(e))
        if m.reception_id != index.reception_id or m.device != index.device:
            r.fail("foreign_manifest", where, f"属于另一次接访 (reception {m.reception_id})")
        if m.index != i:
            r.fail("index_out_of_order", where, f"manifest index {m.index} at position {i}")
        if i == 0 and m.prev is not None:
            r.fail("chain_broken", where, "first manifest has a predecessor")
        elif i > 0 and prev_hash is not None and m.prev != prev_hash:
            r.fail("chain_broken", where, f"prev hash does not match manifest {i - 1}")
        if m.final != (i == index.segments - 1):
            r.fail(
                "chain_end_wrong",
                where,
                "录像不完整: last segment is not marked final"
                if i == index.segments - 1
                else "a segment marked final is followed by more",
            )
        # the same signed manifest twice is a duplicated segment; two segments with the
        # same bytes (digital silence, a still scene) are not: each has its own manifest
        mh = sm.manifest_hash()
        if mh in seen_hashes:
            r.fail("duplicate_segment", where, "segment appears twice")
        seen_hashes.add(mh)
        prev_hash = mh
        if m.end_ms < m.start_ms:
            r.fail("bad_time_range", where, "segment ends before it starts")
        start = m.start_ms if start is None else min(start, m.start_ms)
        end = m.end_ms if end is None else max(end, m.end_ms)
        participants.update((p.role, p.name) for p in m.participants)
        _check_media(root, i, sm, r)
        _check_proof(root, i, sm, cp, r)
    r.facts.update(start_ms=start, end_ms=end, participants=sorted(participants))
    if not r.failures:
        r.passed.append("segments")


def _check_media(root: Path, i: int, sm: SignedManifest, r: Report) -> None:
    where = f"media/{i:06d}.{sm.manifest.container}"
    h = hashlib.sha256()
    size = 0
    try:
        if (root / where).is_symlink():
            raise FileNotFoundError(where)  # a bundle is self-contained: no links out
        with (root / where).open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
                if size > sm.manifest.size:  # trailing bytes: no need to read them all
                    break
    except OSError:
        r.fail("missing_file", where, "录像分段缺失 (segment missing)")
        return
    if size != sm.manifest.size:
        r.fail(
            "segment_size_mismatch",
            where,
            f"录像分段长度不符: {'more than' if size > sm.manifest.size else ''} {size} bytes, "
            f"manifest says {sm.manifest.size}",
        )
    elif h.hexdigest() != sm.manifest.sha256:
        r.fail("segment_hash_mismatch", where, "录像内容被改动 (SHA-256 differs from manifest)")


def _check_proof(
    root: Path, i: int, sm: SignedManifest, cp: note.Checkpoint | None, r: Report
) -> None:
    where = f"proofs/{i:06d}.json"
    raw = _read(root / where, r, root)
    if raw is None:
        return
    try:
        strict_json(raw, where)
        proof = InclusionProof.model_validate_json(raw)
    except (EvidenceError, ValidationError) as e:
        r.fail("proof_malformed", where, str(e))
        return
    if cp is None:
        return  # the checkpoint's own failure is already reported
    if proof.tree_size != cp.size:
        r.fail("proof_wrong_size", where, f"proof is for size {proof.tree_size}, not {cp.size}")
        return
    try:
        merkle.verify_inclusion(
            proof.leaf_index, proof.tree_size, sm.leaf_hash(), proof.raw_hashes(), cp.root_hash
        )
    except (merkle.ProofError, EvidenceError) as e:
        r.fail(f"inclusion_{e.reason}", where, f"清单未被日志收录 (not in the log): {e}")


def openssl_ts_verify(data: bytes, response: bytes, tsa_pem: Path) -> str:
    """Verify an RFC 3161 response over ``data`` with ``openssl ts``; return its time."""
    exe = shutil.which("openssl")
    if exe is None:
        raise EvidenceError(
            "openssl is not installed: cannot check the timestamp", reason="no_openssl"
        )
    if not tsa_pem.exists():
        raise EvidenceError("keys/tsa.pem (the TSA certificate) is missing", reason="missing_file")
    with tempfile.TemporaryDirectory() as tmp:
        d, t = Path(tmp) / "data", Path(tmp) / "resp.tsr"
        d.write_bytes(data)
        t.write_bytes(response)
        ok = subprocess.run(
            [exe, "ts", "-verify", "-data", str(d), "-in", str(t), "-CAfile", str(tsa_pem)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if ok.returncode != 0 or "Verification: OK" not in ok.stdout:
            detail = (ok.stdout + ok.stderr).strip().splitlines()
            raise EvidenceError(
                "RFC 3161 timestamp does not verify: " + (detail[-1] if detail else "?"),
                reason="timestamp_invalid",
            )
        text = subprocess.run(
            [exe, "ts", "-reply", "-in", str(t), "-text"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    m = re.search(r"^Time stamp: (.+)$", text, re.M)
    return m.group(1).strip() if m else "?"
