"""Dossier queries. Reading a person's dossier writes an audit row in the same
transaction (the caller commits), so there is no read without its record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.devices.models import Device
from central.dossier import crypto
from central.dossier.models import Person, Reception
from central.dossier.schemas import (
    PersonPublic,
    ReceptionDetail,
    ReceptionSummary,
    StepPublic,
    Timeline,
)
from central.workflow.scope import person_sites, reception_sites

from .errors import CasefileError


class NotFound(CasefileError, LookupError):
    pass


def _summary(r: Reception, person: Person | None) -> ReceptionSummary:
    s = ReceptionSummary.model_validate(r)
    s.person_name = person.name if person else None
    return s


def _detail(r: Reception, person: Person | None) -> ReceptionDetail:
    return ReceptionDetail(
        **_summary(r, person).model_dump(),
        steps=[StepPublic.model_validate(st) for st in r.steps],
    )


def recent_receptions(
    session: Session,
    *,
    limit: int = 50,
    site: str | None = None,
    offset: int = 0,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[ReceptionSummary]:
    """Newest first; ``site`` limits them to one organisation's boxes; ``start``/``end``
    to a period (end exclusive)."""
    stmt = select(Reception, Person).outerjoin(Person, Person.id == Reception.person_id)
    if start is not None:
        stmt = stmt.where(Reception.started_at >= start)
    if end is not None:
        stmt = stmt.where(Reception.started_at < end)
    if site is not None:
        stmt = stmt.join(Device, Device.id == Reception.device).where(Device.site == site)
    rows = session.execute(
        stmt.order_by(Reception.started_at.desc().nulls_last(), Reception.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_summary(r, p) for r, p in rows]


def get_reception(
    session: Session,
    *,
    reception_id: str,
    scope: SiteScope,
    client: str | None = None,
    default_reason: str = "",
) -> ReceptionDetail:
    """One reception with its steps (the complaint, in the step fields): audited, and
    another site's only with a stated reason (the caller commits)."""
    r = session.scalar(
        select(Reception).where(Reception.id == reception_id).options(selectinload(Reception.steps))
    )
    if r is None:
        raise NotFound(f"没有编号为 {reception_id} 的接访记录")
    cross = scope.read(reception_sites(session, reception_id), what="该接访记录")
    audit.record(
        session,
        actor=scope.actor,
        action="reception.read",
        target=f"reception:{reception_id}",
        reason=scope.audit_reason(cross, default_reason),
        client=client,
    )
    person = session.get(Person, r.person_id) if r.person_id else None
    return _detail(r, person)


def person_public(person: Person, *, enc_key: bytes) -> PersonPublic:
    masked = None
    if person.id_number_enc is not None:
        try:
            masked = crypto.mask_id_number(crypto.decrypt_id_number(enc_key, person.id_number_enc))
        except crypto.DecryptError:
            masked = "（无法解密）"
    return PersonPublic(
        id=person.id,
        name=person.name,
        id_number_masked=masked,
        phone=person.phone,
        township=person.township,
        address=person.address,
        created_at=person.created_at,
    )


def person_timeline(
    session: Session,
    *,
    person_id: str,
    scope: SiteScope,
    client: str | None,
    enc_key: bytes,
    default_reason: str = "",
) -> Timeline:
    """One person's receptions, newest first. Audited: who, when, why; another site's
    person only with a stated reason (the caller commits)."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"没有编号为 {person_id} 的当事人")
    cross = scope.read(person_sites(session, person_id), what="该当事人的档案")
    audit.record(
        session,
        actor=scope.actor,
        action="person.timeline.read",
        target=f"person:{person_id}",
        reason=scope.audit_reason(cross, default_reason),
        client=client,
    )
    receptions: Sequence[Reception] = session.scalars(
        select(Reception)
        .where(Reception.person_id == person_id)
        .options(selectinload(Reception.steps))
        .order_by(Reception.started_at.desc().nulls_last())
    ).all()
    return Timeline(
        person=person_public(person, enc_key=enc_key),
        receptions=[_detail(r, person) for r in receptions],
    )


# ---- the API's reads, each one unit of work (the site rule, the audit row, committed) --


def read_recent(
    session: Session, *, limit: int, site: str | None, actor: str, org: str, client: str | None
) -> list[ReceptionSummary]:
    """The newest receptions of ``site`` (``recent_receptions``; names included, so the
    list is audited against the caller's ``org``), committed."""
    with unit_of_work(session):
        out = recent_receptions(session, limit=limit, site=site)
        audit.record(
            session, actor=actor, action="reception.list.read", target=f"site:{org}",
            reason=f"最近接访 {len(out)} 条", client=client,
        )  # fmt: skip
    return out


def read_reception(
    session: Session,
    *,
    reception_id: str,
    scope: SiteScope,
    client: str | None,
    default_reason: str = "",
) -> ReceptionDetail:
    """``get_reception``, its audit row committed."""
    with unit_of_work(session):
        return get_reception(
            session, reception_id=reception_id, scope=scope, client=client,
            default_reason=default_reason,
        )  # fmt: skip


def read_timeline(
    session: Session, *, person_id: str, scope: SiteScope, client: str | None, enc_key: bytes
) -> Timeline:
    """``person_timeline``, its audit row committed."""
    with unit_of_work(session):
        return person_timeline(
            session, person_id=person_id, scope=scope, client=client, enc_key=enc_key
        )
