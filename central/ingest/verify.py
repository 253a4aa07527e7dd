"""Re-verifying what the event store holds: ``zhifang central events verify``.

``event.raw`` is kept sealed (``at_rest.py``). To show that a stored event is exactly
what its box signed, open the sealed bytes with the database key, decode them as the
wire envelope, check that they are the row's event (id, device, seq), and verify the
signature against the box's registered key. Nothing is written, and the opened bytes
(which may carry an ID number) are never printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.database import make_engine, make_session_factory
from central.devices.models import Device
from central.settings import settings_or_exit as _settings
from protocol import keys
from protocol.envelope import decode
from protocol.errors import ProtocolError

from . import at_rest
from .models import Event

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Checked:
    event_id: str
    device: str
    seq: int
    problem: str | None  # None: the stored bytes are what the box signed


def check_events(
    session: Session, *, enc_key: bytes, event_ids: list[str] | None = None
) -> Iterator[Checked]:
    """Each stored event (or those named), re-verified from its sealed bytes."""
    key = at_rest.payload_key(enc_key)
    devices = {d.id: d for d in session.scalars(select(Device))}
    last = 0
    while True:
        q = select(Event).where(Event.id > last).order_by(Event.id).limit(_CHUNK)
        if event_ids is not None:
            q = q.where(Event.event_id.in_(event_ids))
        rows = session.scalars(q).all()
        if not rows:
            return
        for row in rows:
            yield Checked(row.event_id, row.device, row.seq, _problem(row, key, devices))
        last = rows[-1].id


def _problem(row: Event, key: bytes, devices: dict[str, Device]) -> str | None:
    try:
        raw = at_rest.open_payload(key, row.raw, context=at_rest.event_context(row.event_id))
    except at_rest.SealedPayloadError as e:
        return str(e)
    try:
        env = decode(raw)
    except ProtocolError as e:
        return f"stored bytes are not an envelope: {e.reason}"
    if (env.event_id, env.device, env.seq) != (row.event_id, row.device, row.seq):
        return "stored bytes are another event than the row says"
    device = devices.get(row.device)
    if device is None:
        return f"device {row.device} is not registered"
    try:
        env.verify(keys.load_public_b64(device.public_key))
    except ProtocolError:
        return f"signature does not verify with {row.device}'s registered key"
    return None


def register(sub: Any) -> None:
    p = sub.add_parser("events", help="the event store: re-verify what boxes signed")
    esub = p.add_subparsers(dest="events_command", required=True)
    v = esub.add_parser(
        "verify", help="open each stored event (database key) and check its box's signature"
    )
    v.add_argument("--event-id", action="append", help="only these events (repeat)")
    v.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:

    settings = _settings()
    sessions = make_session_factory(make_engine(settings))
    good = bad = 0
    with sessions() as s:
        for c in check_events(s, enc_key=settings.id_enc_key_bytes, event_ids=args.event_id):
            if c.problem is None:
                good += 1
            else:
                bad += 1
                print(f"{c.event_id} {c.device} seq {c.seq}: {c.problem}", file=sys.stderr)
    print(f"events verified: {good} as signed by their box, {bad} with a problem")
    return 1 if bad else 0
