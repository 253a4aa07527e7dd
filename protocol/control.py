"""Signed control traffic: a box's status and command acks, central's commands.

Events travel in the signed envelope (``envelope.py``); everything else on the wire is
signed here, so a message on a topic proves who said it:

* ``SignedStatus`` (retained on ``status``; also the last will) and ``SignedAck`` (on
  ``cmd/{name}/ack``) are signed by the box's device key, the key central registered.
* ``SignedCommand`` (on ``cmd/{name}``) is signed by central's command key, which each
  box pins from its provisioning bundle (a list: a rotation pins old and new).

Each carries ``v``, naming what it is, and ``sig``: Ed25519 over the canonical JSON
(``canonical.py``) of every other field. Because ``v``, the site, the device and (for
commands and acks) the command's name are signed, a signature made for one of them never
passes for another kind, another box or another command. A command also carries
``issued_at``: a box refuses one older than its ``max_age`` or from the future beyond a
small clock skew, so a recorded command cannot be replayed days later.

``Command`` and ``CommandAck`` (``messages.py``) stay what a handler on the box sees and
answers; the forwarder wraps and unwraps them.

Errors: ``ControlError`` (a ``ProtocolError``) with ``reason`` one of ``too_large``,
``malformed``, ``unsigned``, ``bad_signature``, ``unknown_key``, ``wrong_target``,
``stale``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import keys
from .canonical import canonical_json
from .errors import ProtocolError
from .messages import Command, CommandAck, Millis, ShortText

MAX_CONTROL_BYTES = 16 * 1024  # a status, an ack or a command is small
MAX_SKEW_MS = 5 * 60 * 1000  # a command from the future beyond this is refused
STATUS_V: Literal["zhifang-status-v1"] = "zhifang-status-v1"
ACK_V: Literal["zhifang-ack-v1"] = "zhifang-ack-v1"
COMMAND_V: Literal["zhifang-cmd-v1"] = "zhifang-cmd-v1"

_NAME = r"^[a-z0-9][a-z0-9_-]{0,62}$"
SiteName = Annotated[str, Field(pattern=_NAME, description="site: the topic's {site}")]
DeviceName = Annotated[str, Field(pattern=_NAME, description="box: the topic's {device}")]


class ControlError(ProtocolError, ValueError):
    """A status, ack or command that cannot be trusted; ``reason`` says why."""

    reason = "bad_control"


class _Signed(BaseModel):
    """Base of the signed control messages. A subclass sets ``V`` and its ``v`` field."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    V: ClassVar[str]
    sig: str = Field(min_length=1, max_length=200, description="base64 Ed25519 signature")

    def unsigned(self) -> dict[str, Any]:
        d = self.model_dump(mode="json")
        del d["sig"]
        return d

    def to_wire(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))

    def verify(self, public: Ed25519PublicKey) -> None:
        try:
            sig = keys.b64d(self.sig)
        except ValueError as e:
            raise ControlError("signature is not base64", reason="bad_signature") from e
        try:
            keys.verify(public, sig, canonical_json(self.unsigned()))
        except ProtocolError as e:
            raise ControlError(
                f"{self.V} signature does not verify with the expected key",
                reason="bad_signature",
            ) from e


class SignedStatus(_Signed):
    """Retained on ``status``: is the box online. Signed by the device key."""

    V: ClassVar[str] = STATUS_V
    v: Literal["zhifang-status-v1"] = Field(description="what this is: a box's status")
    site: SiteName
    device: DeviceName
    state: Literal["online", "offline"] = Field(description="online, or offline (also the will)")
    ts: Millis = Field(description="when the box made this status; a newer one wins")
    version: ShortText = Field(default="", description="the box's software version")
    outbox_pending: int = Field(default=0, ge=0, description="events not yet acknowledged")


class SignedAck(_Signed):
    """A box's answer to one command, on ``cmd/{name}/ack``. Signed by the device key."""

    V: ClassVar[str] = ACK_V
    v: Literal["zhifang-ack-v1"] = Field(description="what this is: a command's ack")
    site: SiteName
    device: DeviceName
    command: str = Field(
        min_length=1, max_length=63, description="the command's name (the topic's {name})"
    )
    cmd_id: str = Field(min_length=1, max_length=64, description="the command answered")
    ok: bool = Field(description="the command was carried out")
    detail: ShortText = Field(default="", description="what happened, for a person")
    ts: Millis = Field(description="when the box answered")

    def answer(self) -> CommandAck:
        return CommandAck(cmd_id=self.cmd_id, ok=self.ok, detail=self.detail)


class SignedCommand(_Signed):
    """Central → box on ``cmd/{name}``. Signed by central's command key."""

    V: ClassVar[str] = COMMAND_V
    v: Literal["zhifang-cmd-v1"] = Field(description="what this is: a command to a box")
    site: SiteName
    device: DeviceName
    command: str = Field(min_length=1, max_length=63, description="the topic's {name}")
    cmd_id: str = Field(min_length=1, max_length=64, description="unique; the ack names it")
    issued_at: Millis = Field(description="when central signed it; boxes refuse old ones")
    body: dict[str, Any] = Field(default_factory=dict, description="the command's arguments")
    key_id: str = Field(
        pattern=r"^[0-9a-f]{16}$", description="keys.key_id of central's command key"
    )

    def inner(self) -> Command:
        return Command(cmd_id=self.cmd_id, issued_at=self.issued_at, body=self.body)


S = TypeVar("S", bound=_Signed)


def _sign(model: type[S], key: Ed25519PrivateKey, fields: dict[str, Any]) -> S:
    unsigned = model.model_validate({**fields, "v": model.V, "sig": "-"}).unsigned()
    sig = keys.b64e(key.sign(canonical_json(unsigned)))
    return model.model_validate({**unsigned, "sig": sig})


def sign_status(
    key: Ed25519PrivateKey,
    *,
    site: str,
    device: str,
    state: str,
    ts: int,
    version: str = "",
    outbox_pending: int = 0,
) -> SignedStatus:
    return _sign(
        SignedStatus,
        key,
        {"site": site, "device": device, "state": state, "ts": ts, "version": version,
         "outbox_pending": outbox_pending},
    )  # fmt: skip


def sign_ack(
    key: Ed25519PrivateKey, *, site: str, device: str, command: str, ack: CommandAck, ts: int
) -> SignedAck:
    return _sign(
        SignedAck,
        key,
        {"site": site, "device": device, "command": command, "cmd_id": ack.cmd_id,
         "ok": ack.ok, "detail": ack.detail, "ts": ts},
    )  # fmt: skip


def sign_command(
    key: Ed25519PrivateKey, *, site: str, device: str, command: str, cmd: Command
) -> SignedCommand:
    return _sign(
        SignedCommand,
        key,
        {"site": site, "device": device, "command": command, "cmd_id": cmd.cmd_id,
         "issued_at": cmd.issued_at, "body": dict(cmd.body), "key_id": keys.key_id(key)},
    )  # fmt: skip


def parse(model: type[S], raw: bytes) -> S:
    """Bytes off the wire → a structurally valid signed message (not yet verified).

    A JSON object without ``sig`` or ``v`` (what boxes and central sent before control
    traffic was signed) is ``unsigned``; anything else that does not fit is ``malformed``.
    """
    if len(raw) > MAX_CONTROL_BYTES:
        raise ControlError(
            f"{len(raw)} bytes, more than the {MAX_CONTROL_BYTES} allowed", reason="too_large"
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ControlError(f"not JSON: {e}", reason="malformed") from e
    if not isinstance(data, dict):
        raise ControlError("not a JSON object", reason="malformed")
    if "sig" not in data or "v" not in data:
        raise ControlError(f"unsigned (no {model.V} signature)", reason="unsigned")
    if data.get("v") != model.V:
        raise ControlError(f"a {data.get('v')!r}, not a {model.V}", reason="malformed")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ControlError(
            f"{model.V} is invalid: {e.error_count()} error(s)", reason="malformed"
        ) from e


def check_target(msg: SignedStatus | SignedAck | SignedCommand, *, site: str, device: str) -> None:
    """The signed site and device are the topic's: a message cannot be moved elsewhere."""
    if (msg.site, msg.device) != (site, device):
        raise ControlError(
            f"signed for {msg.site}/{msg.device}, published on {site}/{device}",
            reason="wrong_target",
        )


def verify_command(
    raw: bytes,
    *,
    site: str,
    device: str,
    command: str,
    pinned: Sequence[Ed25519PublicKey],
    now_ms: int,
    max_age_ms: int,
    max_skew_ms: int = MAX_SKEW_MS,
) -> Command:
    """What a box does with bytes on one of its command topics: the command, or
    ``ControlError`` (unsigned, signed by a key it has not pinned, forged, addressed to
    another box or command, or stale)."""
    cmd = parse(SignedCommand, raw)
    check_target(cmd, site=site, device=device)
    if cmd.command != command:
        raise ControlError(
            f"signed as command {cmd.command!r}, published as {command!r}", reason="wrong_target"
        )
    by_id = {keys.key_id(k): k for k in pinned}
    public = by_id.get(cmd.key_id)
    if public is None:
        raise ControlError(
            f"signed by key {cmd.key_id}, which this box has not pinned "
            f"(pinned: {', '.join(sorted(by_id)) or 'none'})",
            reason="unknown_key",
        )
    cmd.verify(public)
    age = now_ms - cmd.issued_at
    if age > max_age_ms:
        raise ControlError(
            f"issued {age // 1000} s ago, older than the {max_age_ms // 1000} s allowed",
            reason="stale",
        )
    if -age > max_skew_ms:
        raise ControlError(
            f"issued {-age // 1000} s in the future (clock skew beyond {max_skew_ms // 1000} s)",
            reason="stale",
        )
    return cmd.inner()
