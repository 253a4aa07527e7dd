"""The lists behind the charts (drill-down): same filters, plus the clicked key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.dossier.models import Person, Reception
from central.workflow.models import MatterRow
from central.workflow.scope import site_matter_ids, site_reception_ids

from .filters import Filters
from .models import MatterTagRow
from .models import ReceptionFact as F
from .queries import matter_scope, reception_scope, repeat_person_ids, tagged

PAGE_MAX = 500


@dataclass(frozen=True, slots=True)
class ReceptionItem:
    id: str
    started_at: datetime | None
    kind: str | None
    person_id: str | None
    person_name: str | None
    township: str | None
    officer_id: str | None
    rating: str | None
    risk_level: str | None
    risk_reason: str | None


@dataclass(frozen=True, slots=True)
class MatterItem:
    id: str
    registered_at: datetime
    status: str
    summary: str
    person_id: str | None
    person_name: str | None
    township: str | None
    category: str | None
    organ: str | None
    officer_id: str
    risk_level: str | None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    total: int
    items: list[T]


def reception_list(
    session: Session,
    *,
    f: Filters,
    tz: ZoneInfo,
    dims: dict[str, str],
    visits: int | None = None,
    limit: int = 100,
    offset: int = 0,
    site: str | None = None,
) -> Page[ReceptionItem]:
    """Receptions in scope (names included); ``site``: that site's desks only."""

    def scoped(stmt: Any) -> Any:
        out = reception_scope(stmt, f=f, tz=tz, dims=dims)
        if site is not None:
            out = out.where(F.reception_id.in_(site_reception_ids(site)))
        if visits:
            out = out.where(F.person_id.in_(repeat_person_ids(f, tz, visits)))
        return out

    # one fact row per reception in scope (see queries.reception_scope)
    total = session.execute(scoped(select(func.count()))).scalar_one()
    ids_q = (
        scoped(select(F.reception_id, F.started_at))
        .order_by(F.started_at.desc(), F.reception_id)
        .limit(min(limit, PAGE_MAX))
        .offset(offset)
    )
    ids = [rid for rid, _ in session.execute(ids_q)]
    rows = session.execute(
        select(Reception, Person.name, Person.township)
        .join(Person, Person.id == Reception.person_id, isouter=True)
        .where(Reception.id.in_(ids))
    ).all()
    by_id = {r.id: (r, name, town) for r, name, town in rows}
    items = []
    for rid in ids:
        r, name, town = by_id[rid]
        items.append(
            ReceptionItem(
                r.id, r.started_at, r.kind, r.person_id, name, town, r.officer_id,
                r.rating, r.risk_level, r.risk_reason,
            )
        )  # fmt: skip
    return Page(int(total), items)


def matter_list(
    session: Session,
    *,
    f: Filters | None,
    tz: ZoneInfo,
    dims: dict[str, str],
    only: set[str] | None = None,
    limit: int = 100,
    offset: int = 0,
    site: str | None = None,
) -> Page[MatterItem]:
    """Matters in scope; ``only`` restricts to given ids (e.g. those with a clock alert);
    ``site``: that site's matters only."""
    base = matter_scope(select(MatterRow.id), f=f, tz=tz, dims=dims)
    if site is not None:
        base = base.where(MatterRow.id.in_(site_matter_ids(site)))
    if only is not None:
        base = base.where(MatterRow.id.in_(sorted(only)))
    total = session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
    rows = session.execute(
        select(MatterRow, Person.name, Person.township)
        .join(Person, Person.id == MatterRow.person_id, isouter=True)
        .where(MatterRow.id.in_(base))
        .order_by(MatterRow.registered_at.desc(), MatterRow.id)
        .limit(min(limit, PAGE_MAX))
        .offset(offset)
    ).all()
    tags = tagged(session, matter_ids=[m.id for m, _, _ in rows])
    items = []
    for m, name, town in rows:
        tag: MatterTagRow | None = tags.get(m.id)
        items.append(
            MatterItem(
                m.id, m.registered_at, m.status, m.summary, m.person_id, name, town,
                tag.category if tag else None, tag.organ if tag else None, m.officer_id,
                m.risk_level,
            )
        )  # fmt: skip
    return Page(int(total), items)
