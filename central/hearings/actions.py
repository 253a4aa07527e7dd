"""The staff's requests about hearings, each one unit of work: the site-scope rule, the
change (``service``, ``draws``) and its audit row commit together or not at all.
Routes call these; the console's pages and the tests compose the pieces they wrap."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.evidence.log import EvidenceLog

from . import draws, service
from .models import ConflictRow, DrawRow, HearingRow, ParticipantRow, RegistryPerson
from .service import HearingError


def add_to_registry(session: Session, **fields: Any) -> RegistryPerson:
    """A person in the hearing registry (``service.add_person``), committed."""
    with unit_of_work(session):
        return service.add_person(session, **fields)


def registry(session: Session) -> list[RegistryPerson]:
    """The registry, by category and name."""
    q = select(RegistryPerson).order_by(RegistryPerson.category, RegistryPerson.name)
    return list(session.scalars(q))


def record_conflict(session: Session, *, person_id: str, subject: str, note: str) -> ConflictRow:
    """A registry person's conflict of interest (``service.add_conflict``), committed."""
    with unit_of_work(session):
        return service.add_conflict(session, person_id=person_id, subject=subject, note=note)


def schedule_hearing(
    session: Session, *, scope: SiteScope, starts_at: datetime, ends_at: datetime, **fields: Any
) -> HearingRow:
    """A hearing for the caller's own site's matter (``service.schedule``), committed;
    both times must carry their time zone (422)."""
    with unit_of_work(session):
        if starts_at.tzinfo is None or ends_at.tzinfo is None:
            raise HearingError("时间须带时区，如 2026-12-01T09:00:00+08:00")
        service.guard(session, scope, matter_id=fields["matter_id"], write=True)
        return service.schedule(
            session, actor=scope.actor, starts_at=starts_at, ends_at=ends_at, **fields
        )


def invitation_for(
    session: Session, *, scope: SiteScope, hearing_id: str
) -> tuple[HearingRow, list[tuple[str, str]]]:
    """The hearing and the registry attendees who have an e-mail address (name,
    contact), for its .ics: another site's hearing only with a stated reason."""
    service.guard(session, scope, hearing_id=hearing_id, write=False)
    h = service.get_hearing(session, hearing_id)
    rows = session.execute(
        select(RegistryPerson.name, RegistryPerson.contact)
        .join(ParticipantRow, ParticipantRow.registry_id == RegistryPerson.id)
        .where(ParticipantRow.hearing_id == h.id)
    ).all()
    return h, [(n, c) for n, c in rows if "@" in c]


def publish_commitment(
    session: Session, log: EvidenceLog, *, scope: SiteScope, hearing_id: str, **kw: Any
) -> DrawRow:
    """``draws.commit_draw`` for the caller's own site's hearing: the draw and its leaf
    of the evidence log, committed together."""
    with unit_of_work(session):
        service.guard(session, scope, hearing_id=hearing_id, write=True)
        return draws.commit_draw(session, log, hearing_id=hearing_id, **kw)


def reveal_seed(
    session: Session,
    *,
    scope: SiteScope,
    draw_id: str,
    seed: str | None,
    beacon_signature: str | None,
    now: datetime,
) -> DrawRow:
    """``draws.reveal_draw`` for the caller's own site's draw, committed."""
    with unit_of_work(session):
        service.guard(session, scope, draw_id=draw_id, write=True)
        return draws.reveal_draw(
            session, draw_id=draw_id, seed=seed, beacon_signature=beacon_signature, now=now
        )


def withdraw_commitment(
    session: Session,
    *,
    scope: SiteScope,
    draw_id: str,
    reason: str,
    by: str,
    now: datetime,
    client: str | None,
) -> DrawRow:
    """``draws.abandon_draw`` (``by``: the name the published record shows), audited
    with the reason, committed."""
    with unit_of_work(session):
        service.guard(session, scope, draw_id=draw_id, write=True)
        row = draws.abandon_draw(session, draw_id=draw_id, reason=reason, actor=by, now=now)
        audit.record(
            session, actor=scope.actor, action="hearing.draw.abandon",
            target=f"hearing_draw:{row.id}", reason=reason, client=client,
        )  # fmt: skip
        return row


def close_with_outcome(
    session: Session,
    *,
    scope: SiteScope,
    hearing_id: str,
    now: datetime,
    record: str,
    outcome: str,
    petitioner_accepts: bool | None,
    others: Iterable[tuple[str, str]] = (),
    attended: Iterable[str] = (),
) -> HearingRow:
    """``service.record_outcome`` for the caller's own site's hearing, committed."""
    with unit_of_work(session):
        service.guard(session, scope, hearing_id=hearing_id, write=True)
        return service.record_outcome(
            session, hearing_id=hearing_id, now=now, record=record, outcome=outcome,
            petitioner_accepts=petitioner_accepts, others=others, attended=attended,
        )  # fmt: skip


def cancel_hearing(
    session: Session, *, scope: SiteScope, hearing_id: str, reason: str
) -> HearingRow:
    """``service.cancel`` for the caller's own site's hearing, committed."""
    with unit_of_work(session):
        service.guard(session, scope, hearing_id=hearing_id, write=True)
        return service.cancel(session, hearing_id=hearing_id, reason=reason, actor=scope.actor)
