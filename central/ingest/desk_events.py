"""What the desk's own corrections say to central: a corrected step, the persons of a
group visit, a cancelled reception, a PIN lockout. Part of the projection
(``projection.py``), inside ingest's transaction.

Events of one reception may arrive in any order (a gap is resent later), so each
rule meets its partner whichever comes first: a correction that arrives before the
step it corrects is found in the event store when the step arrives, and a group's
persons are added to the matter whether they or the 登记 arrived first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.audit.models import AuditLog
from central.db import from_ms
from central.dossier.models import Person, Reception, ReceptionStep
from central.workflow.models import MatterPersonRow, MatterRow, MatterVisitRow
from protocol.envelope import Envelope
from protocol.messages import (
    OfficerLockedOut,
    PersonRef,
    ReceptionCancelled,
    StepCorrected,
    VisitorAdded,
)

from .models import Event


def record_lockout(session: Session, env: Envelope, body: OfficerLockedOut) -> None:
    """Stored as the event it is; the audit log tells a leader someone guessed PINs."""
    until = datetime.fromtimestamp(body.locked_until / 1000, UTC)
    what = "该工号" if body.scope == "officer" else "本机所有工号"
    audit.record(
        session,
        actor=f"device:{env.device}",
        action="officer.locked_out",
        target=f"officer:{body.officer_id}",
        reason=f"接待终端 {env.device} 连续 {body.failures} 次 PIN 错误，{what}暂停登录至 "
        f"{until.isoformat(timespec='minutes')}",
    )


def cancel_reception(session: Session, r: Reception, body: ReceptionCancelled) -> None:
    """The reception is marked cancelled (and so ended); ``note_cancelled`` then tells
    the matters it registered or visited."""
    at = from_ms(body.at)
    r.cancelled_at, r.cancel_reason = at, body.reason
    r.ended_at = r.ended_at or at
    r.events_expected = body.events
    audit.record(
        session,
        actor=body.officer_id,
        action="reception.cancelled",
        target=f"reception:{r.id}",
        reason=body.reason,
    )


def note_cancelled(session: Session, reception_ids: set[str]) -> None:
    """A matter a cancelled reception registered or visited stays (its clocks are the
    statute's), for a person to handle at the console; its audit log says why, once,
    whether the cancellation or the 登记 arrived first."""

    rows = session.execute(
        select(
            Reception.id, Reception.officer_id, Reception.cancel_reason, MatterVisitRow.matter_id
        )
        .join(MatterVisitRow, MatterVisitRow.reception_id == Reception.id)
        .where(Reception.id.in_(sorted(reception_ids)), Reception.cancelled_at.is_not(None))
    ).all()
    for rid, officer, why, mid in rows:
        target = f"matter:{mid}"
        said = session.scalar(
            select(AuditLog.id).where(
                AuditLog.action == "matter.visit.cancelled",
                AuditLog.target == target,
                AuditLog.reason.contains(rid),
            )
        )
        if said is None:
            audit.record(
                session,
                actor=officer or "desk",
                action="matter.visit.cancelled",
                target=target,
                reason=f"接待 {rid} 已在接待终端撤销：{why or ''}",
            )


def _stored(session: Session, type_: str, key: str, values: Iterable[str]) -> list[Any]:
    """Bodies of stored events of ``type_`` whose ``key`` is one of ``values``, in the
    order the desk made them."""
    vals = sorted(set(values))
    if not vals:
        return []
    q = (
        select(Event.body)
        .where(Event.type == type_, Event.body[key].as_string().in_(vals))
        .order_by(Event.device, Event.seq)
    )
    return list(session.scalars(q))


def apply_corrections(session: Session, step_event_ids: set[str]) -> None:
    """Each corrected step gets its latest corrected form; a corrected 登记 also
    corrects the matter's summary. Audited once, when the correction is applied."""

    for raw in _stored(session, StepCorrected.TYPE, "corrects", step_event_ids):
        c = StepCorrected.model_validate(raw)
        row = session.scalar(select(ReceptionStep).where(ReceptionStep.event_id == c.corrects))
        if row is None:
            continue  # the step is still on its way: applied when it arrives
        if row.fields == dict(c.fields):
            continue
        session.execute(
            update(ReceptionStep)
            .where(ReceptionStep.event_id == c.corrects)
            .values(fields=dict(c.fields))
        )
        audit.record(
            session,
            actor=c.officer_id,
            action="reception.step.corrected",
            target=f"reception:{c.reception_id}",
            reason=f"更正「{c.step}」：{c.reason}",
        )
        summary = c.fields.get("request")
        if c.step == "register" and row.matter_ref and summary:
            m = session.get(MatterRow, row.matter_ref)
            if m is not None and m.reception_id == c.reception_id:
                m.summary = summary[:2000]
    session.flush()


def _visitor(raw: dict[str, Any]) -> tuple[VisitorAdded, str | None]:
    """A stored ``reception.visitor``: its ID number was replaced by its keyed hash at
    rest (``at_rest.stored_body``); the hash finds the person the event made."""
    person = dict(raw.get("person") or {})
    id_hash = person.pop("id_number_hash", None)
    return VisitorAdded.model_validate({**raw, "person": person}), id_hash


def _person_id(
    session: Session, ref: PersonRef, id_hash: str | None, person_of: Callable[[PersonRef], Person]
) -> str:
    if id_hash:
        found = session.scalar(select(Person.id).where(Person.id_number_hash == id_hash))
        if found is not None:
            return found
    return person_of(ref).id


def sync_parties(
    session: Session, reception_ids: set[str], *, person_of: Callable[[PersonRef], Person]
) -> None:
    """A group visit's persons on the matters its reception opened or linked to: the
    first identified as a representative, then each ``reception.visitor`` in order."""

    links = session.execute(
        select(MatterVisitRow.matter_id, MatterVisitRow.reception_id).where(
            MatterVisitRow.reception_id.in_(sorted(reception_ids))
        )
    ).all()
    if not links:
        return
    visitors: dict[str, list[tuple[VisitorAdded, str | None]]] = {}
    for raw in _stored(session, VisitorAdded.TYPE, "reception_id", reception_ids):
        v, id_hash = _visitor(raw)
        visitors.setdefault(v.reception_id, []).append((v, id_hash))
    session.flush()  # persons made by this batch get their rows before the links
    for mid, rid in links:
        on = {
            p.person_id: p
            for p in session.scalars(
                select(MatterPersonRow).where(MatterPersonRow.matter_id == mid)
            )
        }
        group = visitors.get(rid, [])
        r = session.get(Reception, rid)
        if r is not None and r.kind == "group" and r.person_id in on:
            on[r.person_id].role = "representative"  # the first identified speaks for them
        for v, id_hash in group:
            pid = _person_id(session, v.person, id_hash, person_of)
            if pid not in on:
                session.flush()
                on[pid] = MatterPersonRow(matter_id=mid, person_id=pid, role=v.role)
                session.add(on[pid])
