"""Ingest's half of the signed control traffic: a status or a command ack arriving on
the broker is applied only when ``central.devices.control`` verifies the box's
signature for its topic (the signing, the verifying and the command key live there)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from central.db import from_ms
from central.devices.control import ignored_reason, verify_ack, verify_status
from central.devices.models import Device
from central.identity.service import record_ack
from protocol import control, topics
from protocol.messages import BiometricDelete

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of a status or an ack: applied (``status``, ``ack``), ``ignored``
    (unsigned, forged, or nothing to do; ``reason`` says which when counted), or ``bad``
    (unreadable: quarantined with ``reason`` and ``detail``)."""

    kind: Literal["status", "ack", "ignored", "bad"]
    reason: str = ""
    detail: str = ""


def handle(session: Session, t: topics.Topic, payload: bytes, device: Device | None) -> Handled:
    """A status or a command ack (inside ingest's transaction): applied only when the
    box signed it with its registered key, for this topic."""

    if not payload or device is None:
        # a cleared retained message, or a box not (yet) registered here: nothing to
        # update; its events, if any, are quarantined as unknown_device
        return Handled("ignored")
    kind = "status" if t.stream == topics.STATUS else "ack"
    try:
        if kind == "ack":
            ack = verify_ack(t, payload, device)
            if ack.command == BiometricDelete.NAME:
                record_ack(session, t.device, ack.cmd_id, ack.ok, ack.detail)
            return Handled("ack")
        st = verify_status(t, payload, device)
    except control.ControlError as e:
        reason = ignored_reason(kind, e)
        if reason.startswith("bad_"):  # unreadable: kept for a person to look at
            return Handled("bad", reason, f"{kind} is invalid: {e}")
        log.warning("ignored %s from %s: %s (%s)", kind, t.device, reason, e)
        return Handled("ignored", reason)
    at = from_ms(st.ts)
    if device.status_at is None or at >= device.status_at:  # the newest wins (ties: later)
        device.status, device.status_at = st.state, at
    if device.last_seen is None or at > device.last_seen:
        device.last_seen = at
    return Handled("status")
