"""Signed control traffic at central (``protocol/control.py``), at the base of central
so that ingest and identity both use it.

* ``SigningPublisher``: every command central sends passes through it and leaves
  signed with central's command key; anything on a command topic that is not a
  ``Command`` is refused, so no code path can send an unsigned one.
* ``verify_status`` / ``verify_ack``: a box's status and command acks count only when
  signed by the key registered for that box, for the topic's site and device.
* The command key: raw Ed25519 (0600) at ``Settings.command_key_path``, made on first
  use. Rotating it (stage a next key, pin it at the boxes, then activate) is in
  ``central/ingest/command_key.py`` and docs/operate.md.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from central.devices.models import Device
from central.publisher import CommandPublisher
from central.settings import Settings
from protocol import control, keys, topics
from protocol.messages import Command

from .errors import DevicesError

log = logging.getLogger(__name__)


def command_key_path(settings: Settings) -> Path:
    return settings.command_key_file or settings.data_dir / "keys" / "command.key"


def load_command_key(settings: Settings) -> Ed25519PrivateKey:
    """Central's command-signing key (made on first use, 0600)."""
    return keys.load_or_create_private_key(command_key_path(settings))


class UnsignableCommand(DevicesError, ValueError):
    """Something other than a ``Command`` was about to go out on a command topic."""


class SigningPublisher:
    """A ``CommandPublisher`` that signs each command for its topic, then hands it on."""

    def __init__(self, inner: CommandPublisher, *, key: Ed25519PrivateKey) -> None:
        self._inner = inner
        self._key = key
        self.key_id = keys.key_id(key)

    def publish(self, topic: str, payload: bytes) -> None:
        t = topics.parse_topic(topic)
        if t.stream != topics.CMD or t.ack or t.command is None:
            raise UnsignableCommand(f"{topic} is not a command topic: central sends only commands")
        try:
            cmd = Command.model_validate_json(payload)
        except ValidationError as e:
            raise UnsignableCommand(f"not a command for {topic}: {e}") from e
        signed = control.sign_command(
            self._key, site=t.site, device=t.device, command=t.command, cmd=cmd
        )
        self._inner.publish(topic, signed.to_wire())


def _device_key(device: Device | None, what: str) -> keys.Ed25519PublicKey:
    if device is None:
        raise control.ControlError(f"{what} from an unregistered device", reason="unknown_key")
    if device.revoked_at is not None:
        raise control.ControlError(f"{what} from revoked device {device.id}", reason="unknown_key")
    return keys.load_public_b64(device.public_key)


def verify_status(t: topics.Topic, payload: bytes, device: Device | None) -> control.SignedStatus:
    """The box's status, if the box signed it for this topic; else ``ControlError``."""
    st = control.parse(control.SignedStatus, payload)
    control.check_target(st, site=t.site, device=t.device)
    st.verify(_device_key(device, "status"))
    if device is not None and device.site != t.site:
        raise control.ControlError(
            f"{device.id} is registered at {device.site}, status published under {t.site}",
            reason="wrong_target",
        )
    return st


def verify_ack(t: topics.Topic, payload: bytes, device: Device | None) -> control.SignedAck:
    """The box's ack, if the box signed it for this topic and command; else ``ControlError``."""
    ack = control.parse(control.SignedAck, payload)
    control.check_target(ack, site=t.site, device=t.device)
    if ack.command != t.command:
        raise control.ControlError(
            f"ack signed for {ack.command!r}, published under {t.command!r}", reason="wrong_target"
        )
    ack.verify(_device_key(device, "ack"))
    if device is not None and device.site != t.site:
        raise control.ControlError(
            f"{device.id} is registered at {device.site}, ack published under {t.site}",
            reason="wrong_target",
        )
    return ack


def ignored_reason(kind: str, e: control.ControlError) -> str:
    """The counter an ignored status or ack is counted under: ``unsigned_status``,
    ``forged_status`` (bad signature, unknown key, wrong target), ``bad_status`` (not
    readable); the same with ``_ack``."""
    if e.reason == "unsigned":
        return f"unsigned_{kind}"
    if e.reason in ("malformed", "too_large"):
        return f"bad_{kind}"
    return f"forged_{kind}"
