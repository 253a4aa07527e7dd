"""Consent records and deletion fan-out, driven by the boxes' events.

``apply_identity_event`` runs inside the ingest transaction for ``consent.recorded``
and ``biometric.deleted``. A deletion is recorded (and audited), ends the person's
consents at the site, removes the relayed template copies, and becomes one
``biometric_delete`` command per other registered, non-revoked desk of the site. The
command rows are written in the transaction; they are published only after it commits
(so a rolled-back batch sends nothing), and ``redeliver_unacked`` sends again whatever
a desk has not acknowledged. Every rule is order-independent: a consent that arrives
after a later deletion is stored already withdrawn.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.db import from_ms, utcnow
from central.devices.control import verify_ack
from central.devices.models import Device
from central.publisher import CommandPublisher
from central.workflow.scope import person_sites
from protocol import topics
from protocol.control import ControlError
from protocol.envelope import Envelope
from protocol.errors import MalformedMessage
from protocol.messages import (
    BiometricDelete,
    BiometricDeleted,
    Body,
    Command,
    ConsentRecorded,
)

from .models import ConsentRow, DeletionCommandRow, DeletionRow, TransferRow

log = logging.getLogger(__name__)

__all__ = [
    "IDENTITY_EVENT_TYPES",
    "PendingCommand",
    "apply_identity_event",
    "handle_ack_message",
    "pending_by_device",
    "pending_deletions",
    "record_ack",
    "redeliver_unacked",
]

IDENTITY_EVENT_TYPES = frozenset({ConsentRecorded.TYPE, BiometricDeleted.TYPE})
_CMD_NS = uuid.UUID("6f1d5a52-1c1e-4a8e-9d7e-2f3b7c0e9a11")
_OUTGOING = "zhifang.identity.outgoing"
_HOOKED = "zhifang.identity.hooked"
MAX_BACKOFF = timedelta(hours=1)


def apply_identity_event(
    session: Session, env: Envelope, body: Body, *, publisher: CommandPublisher | None
) -> None:
    """Project one accepted identity event (call once per stored event). Without a
    publisher the commands wait for ``redeliver_unacked``."""
    site = session.scalar(select(Device.site).where(Device.id == env.device))
    if site is None:  # ingest only passes events of registered devices
        raise LookupError(f"device {env.device!r} is not registered")
    if isinstance(body, ConsentRecorded):
        _consent(session, env, body, site)
    elif isinstance(body, BiometricDeleted):
        _deletion(session, env, body, site, publisher)
    else:
        raise TypeError(f"not an identity event: {body.TYPE}")


def _consent(session: Session, env: Envelope, body: ConsentRecorded, site: str) -> None:
    if session.get(ConsentRow, body.consent_id) is not None:
        return  # a repeat (the box reports again after a crash)
    given = from_ms(body.given_at)
    row = ConsentRow(
        consent_id=body.consent_id,
        person_id=body.person_id,
        site=site,
        device=env.device,
        event_id=env.event_id,
        reception_id=body.reception_id,
        officer_id=body.officer_id,
        text_version=body.text_version,
        text_sha256=body.text_sha256,
        scopes=list(body.scopes),
        given_at=given,
        recorded_at=utcnow(),
    )
    later = session.scalars(
        select(DeletionRow)
        .where(
            DeletionRow.person_id == body.person_id,
            DeletionRow.site == site,
            DeletionRow.deleted_at >= given,
        )
        .order_by(DeletionRow.deleted_at)
        .limit(1)
    ).first()
    if later is not None:  # arrived after the deletion that ends it
        row.withdrawn_at, row.withdrawn_by = later.deleted_at, later.id
    session.add(row)


def _deletion(
    session: Session,
    env: Envelope,
    body: BiometricDeleted,
    site: str,
    publisher: CommandPublisher | None,
) -> None:
    if session.scalar(select(DeletionRow.id).where(DeletionRow.event_id == env.event_id)):
        return
    now = utcnow()
    deleted_at = from_ms(body.deleted_at)
    d = DeletionRow(
        event_id=env.event_id,
        person_id=body.person_id,
        site=site,
        origin_device=env.device,
        officer_id=body.officer_id,
        deleted_at=deleted_at,
        reason=body.reason,
        note=body.note,
        recorded_at=now,
    )
    session.add(d)
    session.flush()
    audit.record(
        session,
        actor=f"officer:{body.officer_id}@{env.device}",
        action="biometric.deleted",
        target=f"person:{body.person_id}",
        reason=f"{body.reason}: {body.note}" if body.note else body.reason,
    )
    session.execute(
        update(ConsentRow)
        .where(
            ConsentRow.person_id == body.person_id,
            ConsentRow.site == site,
            ConsentRow.given_at <= deleted_at,
            ConsentRow.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=deleted_at, withdrawn_by=d.id)
    )
    session.execute(
        delete(TransferRow).where(
            TransferRow.person_id == body.person_id,
            TransferRow.site == site,
            TransferRow.consents_given_at <= deleted_at,
        )
    )
    others = session.scalars(
        select(Device.id)
        .where(Device.site == site, Device.id != env.device, Device.revoked_at.is_(None))
        .order_by(Device.id)
    ).all()
    req = BiometricDelete(
        person_id=body.person_id,
        deleted_at=body.deleted_at,
        officer_id=body.officer_id,
        reason=(f"{body.reason}: {body.note}" if body.note else body.reason)[:200],
        origin_device=env.device,
    )
    for device in others:
        cmd_id = str(uuid.uuid5(_CMD_NS, f"{env.event_id}/{device}"))
        session.add(
            DeletionCommandRow(
                cmd_id=cmd_id,
                deletion_id=d.id,
                device=device,
                issued_at=now,
                last_sent_at=now if publisher is not None else None,
                attempts=1 if publisher is not None else 0,
                detail="",
            )
        )
        if publisher is not None:
            _publish_after_commit(session, publisher, site, device, _command(cmd_id, req, now))
    log.info(
        "biometric deletion of %s at %s/%s: relaying to %d desk(s)",
        body.person_id, site, env.device, len(others),
    )  # fmt: skip


def _command(cmd_id: str, req: BiometricDelete, now: datetime) -> bytes:
    cmd = Command(cmd_id=cmd_id, issued_at=round(now.timestamp() * 1000), body=req.model_dump())
    return cmd.model_dump_json().encode()


# --- publish only what committed --------------------------------------------------------


def _publish_after_commit(
    session: Session, publisher: CommandPublisher, site: str, device: str, payload: bytes
) -> None:
    topic = topics.command_topic(site, device, BiometricDelete.NAME)
    session.info.setdefault(_OUTGOING, []).append((publisher, topic, payload))
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        event.listen(session, "after_commit", _flush_outgoing)
        event.listen(session, "after_rollback", _drop_outgoing)


def _flush_outgoing(session: Session) -> None:
    for publisher, topic, payload in session.info.pop(_OUTGOING, []):
        try:
            publisher.publish(topic, payload)
        except Exception as e:  # stays unacknowledged: redeliver_unacked sends it again
            log.warning("biometric_delete not sent on %s (will retry): %s", topic, e)


def _drop_outgoing(session: Session) -> None:
    session.info.pop(_OUTGOING, None)


# --- acknowledgements --------------------------------------------------------------------


def record_ack(session: Session, device: str, cmd_id: str, ok: bool, detail: str) -> bool:
    """A desk answered a ``biometric_delete``; False when the command is not ours or
    not this device's (logged, nothing changed)."""
    row = session.get(DeletionCommandRow, cmd_id)
    if row is None or row.device != device:
        log.warning("ack %s from %s matches no biometric_delete sent to it", cmd_id, device)
        return False
    row.ok, row.detail = ok, detail[:200]
    if ok and row.acked_at is None:
        row.acked_at = utcnow()
    return True


def handle_ack_message(session: Session, topic: str, payload: bytes) -> bool | None:
    """For a ``cmd/+/ack`` message outside ingest (ingest verifies acks itself): None
    when the topic is not a ``biometric_delete`` ack (someone else's), else whether it
    closed a command. An ack that the desk did not sign with its registered key is
    ignored (logged): a forged ack must not close a deletion."""

    try:
        t = topics.parse_topic(topic)
    except MalformedMessage:
        return None
    if t.stream != topics.CMD or not t.ack or t.command != BiometricDelete.NAME:
        return None
    try:
        ack = verify_ack(t, payload, session.get(Device, t.device))
    except ControlError as e:
        log.warning("ignored biometric_delete ack from %s (%s): %s", t.device, e.reason, e)
        return False
    return record_ack(session, t.device, ack.cmd_id, ack.ok, ack.detail)


# --- what is still outstanding -----------------------------------------------------------


@dataclass(frozen=True)
class PendingCommand:
    device: str
    site: str
    cmd_id: str
    person_id: str
    origin_device: str
    deleted_at: datetime
    issued_at: datetime
    attempts: int
    last_sent_at: datetime | None
    last_detail: str
    device_revoked: bool


def pending_deletions(
    session: Session, *, site: str | None = None, device: str | None = None
) -> list[PendingCommand]:
    """Deletions not yet acknowledged, by device then age (for the console and API)."""
    q = (
        select(DeletionCommandRow, DeletionRow, Device.revoked_at)
        .join(DeletionRow, DeletionRow.id == DeletionCommandRow.deletion_id)
        .join(Device, Device.id == DeletionCommandRow.device)
        .where(DeletionCommandRow.acked_at.is_(None))
        .order_by(DeletionCommandRow.device, DeletionCommandRow.issued_at)
    )
    if site is not None:
        q = q.where(DeletionRow.site == site)
    if device is not None:
        q = q.where(DeletionCommandRow.device == device)
    return [
        PendingCommand(
            device=c.device,
            site=d.site,
            cmd_id=c.cmd_id,
            person_id=d.person_id,
            origin_device=d.origin_device,
            deleted_at=d.deleted_at,
            issued_at=c.issued_at,
            attempts=c.attempts,
            last_sent_at=c.last_sent_at,
            last_detail=c.detail,
            device_revoked=revoked is not None,
        )
        for c, d, revoked in session.execute(q).all()
    ]


def pending_by_device(session: Session, *, site: str) -> dict[str, list[PendingCommand]]:
    """The same, grouped per desk: what the console shows beside each device."""
    out: dict[str, list[PendingCommand]] = {}
    for p in pending_deletions(session, site=site):
        out.setdefault(p.device, []).append(p)
    return out


def redeliver_unacked(
    session: Session,
    publisher: CommandPublisher,
    *,
    now: datetime | None = None,
    after: timedelta = timedelta(minutes=1),
) -> int:
    """Send again each unacknowledged command whose backoff has run out (doubling from
    ``after`` up to an hour); revoked desks are skipped. Call now and then from ingest
    (like the gap chaser), commit after. Returns how many were sent."""
    now = now or utcnow()
    rows = session.execute(
        select(DeletionCommandRow, DeletionRow)
        .join(DeletionRow, DeletionRow.id == DeletionCommandRow.deletion_id)
        .join(Device, Device.id == DeletionCommandRow.device)
        .where(DeletionCommandRow.acked_at.is_(None), Device.revoked_at.is_(None))
    ).all()
    sent = 0
    for c, d in rows:
        wait = min(after * (2 ** max(c.attempts - 1, 0)), MAX_BACKOFF)
        if c.last_sent_at is not None and now - c.last_sent_at < wait:
            continue
        req = BiometricDelete(
            person_id=d.person_id,
            deleted_at=round(d.deleted_at.timestamp() * 1000),
            officer_id=d.officer_id,
            reason=(f"{d.reason}: {d.note}" if d.note else d.reason)[:200],
            origin_device=d.origin_device,
        )
        topic = topics.command_topic(d.site, c.device, BiometricDelete.NAME)
        try:
            publisher.publish(topic, _command(c.cmd_id, req, now))
        except Exception as e:
            log.warning("biometric_delete %s to %s not sent: %s", c.cmd_id, c.device, e)
            continue
        c.last_sent_at, c.attempts = now, c.attempts + 1
        sent += 1
    return sent


def consents_of(session: Session, *, person_id: str, site: str | None = None) -> list[ConsentRow]:
    q = select(ConsentRow).where(ConsentRow.person_id == person_id)
    if site is not None:
        q = q.where(ConsentRow.site == site)
    return list(session.scalars(q.order_by(ConsentRow.given_at)))


def deletions_of(
    session: Session, *, person_id: str
) -> list[tuple[DeletionRow, list[DeletionCommandRow]]]:
    out: list[tuple[DeletionRow, list[DeletionCommandRow]]] = []
    for d in session.scalars(
        select(DeletionRow).where(DeletionRow.person_id == person_id).order_by(DeletionRow.id)
    ):
        cmds = session.scalars(
            select(DeletionCommandRow)
            .where(DeletionCommandRow.deletion_id == d.id)
            .order_by(DeletionCommandRow.device)
        ).all()
        out.append((d, list(cmds)))
    return out


# ---- reads for a person, each one unit of work (the site rule, the audit row, the rows) --


def _audited_read(
    session: Session, *, what: str, person_id: str, scope: SiteScope, client: str | None
) -> None:
    """The site-scope rule, then the audit row: a person's consents and deletions are
    personal information."""
    cross = scope.read(person_sites(session, person_id), what="该当事人的生物特征记录")
    audit.record(
        session, actor=scope.actor, action=f"identity.{what}.read", target=f"person:{person_id}",
        reason=scope.audit_reason(cross), client=client,
    )  # fmt: skip


def read_consents(
    session: Session, *, person_id: str, scope: SiteScope, client: str | None
) -> list[ConsentRow]:
    """The person's consent records, audited, committed."""
    with unit_of_work(session):
        _audited_read(session, what="consents", person_id=person_id, scope=scope, client=client)
        return consents_of(session, person_id=person_id)


def read_deletions(
    session: Session, *, person_id: str, scope: SiteScope, client: str | None
) -> list[tuple[DeletionRow, list[DeletionCommandRow]]]:
    """The person's deletions with each desk's ack, audited, committed."""
    with unit_of_work(session):
        _audited_read(session, what="deletions", person_id=person_id, scope=scope, client=client)
        return deletions_of(session, person_id=person_id)
