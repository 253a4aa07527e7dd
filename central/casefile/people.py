"""Person look-ups for officers: audited search, duplicate candidates, 领导接访 counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.devices.models import Device
from central.dossier import matching
from central.dossier.matching import pinyin_key
from central.dossier.models import Person, Reception
from central.dossier.schemas import Candidate, PersonHit
from central.dossier.search import classify, search_persons
from central.labels import SEARCH_KIND_ZH
from central.workflow.scope import on_site, person_sites

from .service import NotFound


def search(
    session: Session, *, q: str, hash_key: bytes, limit: int, actor: str, client: str | None
) -> list[PersonHit]:
    """Search, audited. An ID number is never written to the log in clear."""
    query = classify(q)
    found = search_persons(session, q=q, hash_key=hash_key, limit=limit)
    shown = "（已隐去）" if query and query.kind == "id_number" else q.strip()[:50]
    by = SEARCH_KIND_ZH.get(query.kind, "") if query else ""
    audit.record(
        session,
        actor=actor,
        action="person.search",
        target=f"search:{query.kind if query else 'empty'}",
        reason=f"按{by}检索：{shown}，{len(found)} 条",
        client=client,
    )
    return [
        PersonHit(
            id=p.id,
            name=p.name,
            phone=p.phone,
            township=p.township,
            has_id_number=p.id_number_hash is not None,
        )
        for p in found
    ]


def _record(p: Person) -> matching.PersonRecord:
    return matching.PersonRecord(
        id=p.id,
        name=p.name,
        id_hash=p.id_number_hash,
        phones=(matching.normalise_phone(p.phone),) if p.phone else (),
        township=p.township,
    )


def duplicates(
    session: Session,
    *,
    person_id: str,
    hash_key: bytes,
    scope: SiteScope,
    client: str | None = None,
) -> list[Candidate]:
    """Records that may be the same person (same phone, same or homophone name):
    audited, as a read of the person's dossier (the caller commits)."""
    p = session.get(Person, person_id)
    if p is None:
        raise NotFound(f"没有编号为 {person_id} 的当事人")
    cross = scope.read(person_sites(session, person_id), what="该当事人的档案")
    audit.record(
        session,
        actor=scope.actor,
        action="person.duplicates.read",
        target=f"person:{person_id}",
        reason=scope.audit_reason(cross, "查重"),
        client=client,
    )
    conds = [Person.name == p.name, Person.name_pinyin == pinyin_key(p.name)]
    if p.phone:
        conds.append(Person.phone == p.phone)
    if p.id_number_hash:
        conds.append(Person.id_number_hash == p.id_number_hash)
    known = session.scalars(
        select(Person)
        .where(or_(*conds), Person.merged_into.is_(None), Person.id != p.id)
        .limit(200)
    ).all()
    hits = matching.candidates(_record(p), [_record(k) for k in known])
    return [
        Candidate(id=k.id, name=k.name, score=m.score, reasons=list(m.reasons)) for k, m in hits
    ]


@dataclass(frozen=True, slots=True)
class LeaderReceptions:
    batches: int  # 批次: leader receptions held
    persons: int  # 人次: visitors received in them


def leader_receptions(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    site: str | None = None,
) -> LeaderReceptions:
    """领导接访, counted in batches and persons (a batch of n visitors counts n persons)."""
    stmt = select(
        func.count(), func.coalesce(func.sum(func.coalesce(Reception.visitors, 1)), 0)
    ).where(Reception.kind == "leader")
    if since is not None:
        stmt = stmt.where(Reception.started_at >= since)
    if until is not None:
        stmt = stmt.where(Reception.started_at < until)
    if site is not None:
        stmt = stmt.join(Device, Device.id == Reception.device).where(Device.site == site)
    batches, persons = session.execute(stmt).one()
    return LeaderReceptions(int(batches), int(persons))


# ---- the API's reads, each one unit of work (the audit row committed) -----------------


def find(
    session: Session, *, q: str, hash_key: bytes, limit: int, actor: str, client: str | None
) -> list[PersonHit]:
    """``search``, its audit row committed."""
    with unit_of_work(session):
        return search(session, q=q, hash_key=hash_key, limit=limit, actor=actor, client=client)


def find_for_box(
    session: Session,
    *,
    q: str,
    hash_key: bytes,
    limit: int,
    actor: str,
    client: str | None,
    site: str,
) -> list[PersonHit]:
    """``search`` from a desk: only the persons on the desk's ``site`` are returned (one
    known only at another site is not shown to a box); the search is audited all the
    same, committed."""
    with unit_of_work(session):
        hits = search(session, q=q, hash_key=hash_key, limit=limit, actor=actor, client=client)
        mine = on_site(session, [h.id for h in hits], site)
    return [h for h in hits if h.id in mine]


def read_duplicates(
    session: Session, *, person_id: str, hash_key: bytes, scope: SiteScope, client: str | None
) -> list[Candidate]:
    """``duplicates``, its audit row committed."""
    with unit_of_work(session):
        return duplicates(
            session, person_id=person_id, hash_key=hash_key, scope=scope, client=client
        )
