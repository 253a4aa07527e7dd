"""The signed envelope every event travels in.

``sig`` is Ed25519 over the canonical JSON (see ``canonical.py``) of every other
field. Central verifies it against the key registered for ``device``.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import keys
from .canonical import canonical_json
from .errors import MalformedMessage, SchemaError, SignatureError
from .ids import uuid7
from .messages import Body, parse_body

MAX_EVENT_BYTES = 64 * 1024  # a reception event is small; anything larger is not ours

UUID7 = Annotated[
    str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)

    event_id: UUID7 = Field(description="UUIDv7, unique; central inserts each once")
    device: str = Field(min_length=1, max_length=63, description="sending device")
    seq: int = Field(ge=1, le=2**53 - 1, description="per-device, gap-free, from 1")
    ts: int = Field(ge=0, le=2**53 - 1, description="ms since the Unix epoch when made")
    type: str = Field(min_length=1, max_length=64)
    schema_: int = Field(alias="schema", ge=1, le=1000, description="body schema version")
    body: dict[str, Any]
    sig: str = Field(min_length=1, max_length=200, description="base64 Ed25519 signature")

    def unsigned(self) -> dict[str, Any]:
        d = self.model_dump(by_alias=True)
        del d["sig"]
        return d

    def to_wire(self) -> bytes:
        return canonical_json(self.model_dump(by_alias=True))

    def verify(self, public: Ed25519PublicKey) -> None:
        try:
            sig = keys.b64d(self.sig)
        except ValueError as e:
            raise SignatureError("signature is not base64") from e
        keys.verify(public, sig, canonical_json(self.unsigned()))

    def parsed_body(self) -> Body:
        return parse_body(self.type, self.schema_, self.body)


def seal(
    *,
    key: Ed25519PrivateKey,
    device: str,
    seq: int,
    body: Body,
    ts: int | None = None,
    event_id: str | None = None,
) -> Envelope:
    """Sign ``body`` into an envelope."""
    unsigned: dict[str, Any] = {
        "event_id": event_id or str(uuid7()),
        "device": device,
        "seq": seq,
        "ts": int(time.time() * 1000) if ts is None else ts,
        "type": body.TYPE,
        "schema": body.SCHEMA,
        "body": body.model_dump(mode="json"),
    }
    sig = key.sign(canonical_json(unsigned))
    return Envelope.model_validate({**unsigned, "sig": keys.b64e(sig)})


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            # two values for one key: which one was signed is ambiguous
            raise MalformedMessage(f"duplicate key {k!r}", reason="duplicate_key")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise MalformedMessage(f"{name} is not JSON", reason="not_json")


def decode(raw: bytes, *, max_bytes: int = MAX_EVENT_BYTES) -> Envelope:
    """Bytes off the wire → a structurally valid envelope (signature not yet checked)."""
    if len(raw) > max_bytes:
        raise MalformedMessage(
            f"payload is {len(raw)} bytes, more than the {max_bytes} allowed", reason="too_large"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedMessage(f"payload is not UTF-8: {e}", reason="not_utf8") from e
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as e:
        raise MalformedMessage(f"payload is not JSON: {e}", reason="not_json") from e
    if not isinstance(data, dict):
        raise MalformedMessage("payload is not a JSON object", reason="not_object")
    try:
        return Envelope.model_validate(data)
    except ValidationError as e:
        raise SchemaError(f"envelope is invalid: {e}", reason="bad_envelope") from e
