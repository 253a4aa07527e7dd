"""Signed segment manifests: the box's record of each recorded segment.

A reception is recorded as segments (a few seconds of audio or video each). Each has
a manifest, signed by the device key, that carries the segment's SHA-256 and size,
its index and time range, and the hash of the previous manifest, so the manifests
form one chain per reception; the last one says ``final``. Central appends every
signed manifest (its canonical bytes) as a leaf of its Merkle log. The evidence
bundle built from them, and its offline verifier, are in ``protocol/bundle.py``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import keys, merkle
from .canonical import canonical_json
from .errors import ProtocolError

MAX_JSON_BYTES = 256 * 1024
Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ReceptionId = Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$", description="UUID of the reception")]
Millis = Annotated[int, Field(ge=0, le=2**53 - 1, description="ms since the Unix epoch, UTC")]
Role = Literal["npc_deputy", "cppcc_member", "lawyer", "legal_aid", "other"]
ROLE_ZH = {
    "npc_deputy": "人大代表",
    "cppcc_member": "政协委员",
    "lawyer": "律师",
    "legal_aid": "法律援助人员",
    "other": "其他见证人",
}


class EvidenceError(ProtocolError, ValueError):
    reason = "bad_evidence"


class Participant(BaseModel):
    """A third party present at the reception (第三方见证)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    role: Role = Field(description="人大代表 / 政协委员 / 律师 / 法律援助 / 其他")
    name: str = Field(min_length=1, max_length=100, description="name as recorded")


class SegmentManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    v: Literal[1] = Field(default=1, description="manifest schema version")
    reception_id: ReceptionId
    device: str = Field(min_length=1, max_length=63, description="recording device")
    device_key: str = Field(pattern=r"^[0-9a-f]{16}$", description="keys.key_id of its key")
    index: int = Field(ge=0, le=10**7, description="0, 1, 2, … within the reception")
    start_ms: Millis
    end_ms: Millis
    media: Literal["audio", "video"]
    container: str = Field(pattern=r"^[a-z0-9]{1,8}$", description="file type: wav, avi, y4m…")
    sha256: Hex32 = Field(description="SHA-256 of the segment bytes")
    size: int = Field(ge=0, le=2**40, description="segment length in bytes")
    prev: Hex32 | None = Field(description="manifest_hash of index-1; null for index 0")
    final: bool = Field(default=False, description="the reception's last segment")
    participants: tuple[Participant, ...] = Field(default=(), description="第三方见证")


class SignedManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    manifest: SegmentManifest
    sig: str = Field(min_length=1, max_length=200, description="base64 Ed25519 signature")

    def to_bytes(self) -> bytes:
        """Canonical bytes: what is stored, exported and appended to the log."""
        return canonical_json(self.model_dump(mode="json"))

    def manifest_hash(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()

    def leaf_hash(self) -> bytes:
        return merkle.hash_leaf(self.to_bytes())

    def verify(self, public: Ed25519PublicKey) -> None:
        if self.manifest.device_key != keys.key_id(public):
            raise EvidenceError(
                f"manifest names device key {self.manifest.device_key}, "
                f"not the device's key {keys.key_id(public)}",
                reason="wrong_device_key",
            )
        try:
            sig = keys.b64d(self.sig)
        except ValueError as e:
            raise EvidenceError("manifest signature is not base64", reason="bad_signature") from e
        try:
            keys.verify(public, sig, canonical_json(self.manifest.model_dump(mode="json")))
        except ProtocolError as e:
            raise EvidenceError(
                "manifest signature does not verify with the device key", reason="bad_signature"
            ) from e


def sign_manifest(manifest: SegmentManifest, key: Ed25519PrivateKey) -> SignedManifest:
    sig = key.sign(canonical_json(manifest.model_dump(mode="json")))
    return SignedManifest(manifest=manifest, sig=keys.b64e(sig))


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise EvidenceError(f"duplicate key {k!r}", reason="duplicate_key")
        out[k] = v
    return out


def strict_json(raw: bytes, what: str) -> Any:
    """Parse JSON that must be exactly canonical: no trailing garbage, no truncation."""
    if len(raw) > MAX_JSON_BYTES:
        raise EvidenceError(f"{what} is {len(raw)} bytes, too large", reason="too_large")
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EvidenceError(
            f"{what} is not JSON (truncated or garbage?): {e}", reason="not_json"
        ) from e
    try:
        canonical = canonical_json(data)
    except ValueError as e:
        raise EvidenceError(f"{what}: {e}", reason="not_canonical") from e
    if canonical != raw:
        raise EvidenceError(f"{what} is not in canonical form", reason="not_canonical")
    return data


def parse_signed_manifest(raw: bytes, what: str = "manifest") -> SignedManifest:
    strict_json(raw, what)
    try:
        return SignedManifest.model_validate_json(raw)
    except ValidationError as e:
        raise EvidenceError(f"{what} is invalid: {e}", reason="bad_manifest") from e
