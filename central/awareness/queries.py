"""Dashboard queries: one GROUP BY per chart, on indexed columns, over the filtered scope.

Receptions are read from ``awareness_reception_fact`` (``models.ReceptionFact``): each
reception with its petitioner's township and the categories of the matters registered
at it already joined, kept by database triggers. ``weight = 1`` picks one row per
reception; a chart or filter on category reads one row per (reception, category).
Matters are placed by ``registered_at``, the petitioner's township, and their tag
(category and organ, ``awareness_matter_tag``). Every function takes the session and
keyword-only arguments and returns plain data; the API and console only translate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, func, select
from sqlalchemy.orm import Session

from central.dossier.models import Person
from central.workflow.models import MatterRow

from .filters import Filters, bucket_key, bucket_labels
from .models import MatterTagRow, ReceptionFact

F = ReceptionFact

S = TypeVar("S", bound=Select)

NONE_KEY = "__none__"  # drill-down value for "not recorded" (NULL)

ReceptionDim = Literal["township", "category", "officer", "kind", "rating"]
MatterDim = Literal["township", "category", "organ", "officer", "status"]

RECEPTION_DIMS: dict[str, Any] = {
    "township": F.township,
    "category": F.category,
    "officer": F.officer_id,
    "kind": F.kind,
    "rating": F.rating,
}
MATTER_DIMS: dict[str, Any] = {
    "township": Person.township,
    "category": MatterTagRow.category,
    "organ": MatterTagRow.organ,
    "officer": MatterRow.officer_id,
    "status": MatterRow.status,
    "id": MatterRow.id,
}


@dataclass(frozen=True, slots=True)
class Series:
    """One chart's data: a label and a key (for drill-down) per bar, and the counts."""

    labels: list[str]
    keys: list[str]
    values: list[int]
    extra: dict[str, list[int]] = field(default_factory=dict)


def _eq(col: Any, value: str) -> Any:
    return col.is_(None) if value == NONE_KEY else col == value


def reception_scope(
    stmt: S,
    *,
    f: Filters,
    tz: ZoneInfo,
    dims: dict[str, str] | None = None,
    need: frozenset[str] = frozenset(),
) -> S:
    """Restrict ``stmt`` (selecting from ``ReceptionFact``) to the filters and drill-down
    keys: one row per reception, or per (reception, category) when category is used."""
    dims = {**(dims or {})}
    if f.township:
        dims["township"] = f.township
    if f.category:
        dims["category"] = f.category
    lo, hi = f.utc_range(tz)
    stmt = stmt.select_from(F).where(F.started_at >= lo, F.started_at < hi)
    if "category" not in need | dims.keys():
        stmt = stmt.where(F.weight == 1)
    for name, value in dims.items():
        if name not in RECEPTION_DIMS:
            raise ValueError(f"未知的接访筛选维度：{name}")
        stmt = stmt.where(_eq(RECEPTION_DIMS[name], value))
    return stmt


def matter_scope(
    stmt: S,
    *,
    f: Filters | None,
    tz: ZoneInfo,
    dims: dict[str, str] | None = None,
    need: frozenset[str] = frozenset(),
) -> S:
    """Restrict ``stmt`` (selecting from matter) to the filters (None: any time)."""
    dims = {**(dims or {})}
    if f is not None and f.township:
        dims["township"] = f.township
    if f is not None and f.category:
        dims["category"] = f.category
    used = need | dims.keys()
    stmt = stmt.select_from(MatterRow)
    if f is not None:
        lo, hi = f.utc_range(tz)
        stmt = stmt.where(MatterRow.registered_at >= lo, MatterRow.registered_at < hi)
    if "township" in used:
        stmt = stmt.join(Person, Person.id == MatterRow.person_id, isouter=True)
    if used & {"category", "organ"}:
        stmt = stmt.join(MatterTagRow, MatterTagRow.matter_id == MatterRow.id, isouter=True)
    for name, value in dims.items():
        if name not in MATTER_DIMS:
            raise ValueError(f"未知的事项筛选维度：{name}")
        stmt = stmt.where(_eq(MATTER_DIMS[name], value))
    return stmt


def _series(rows: list[Any], *, top: int | None = None) -> Series:
    rows = sorted(rows, key=lambda r: (-r[1], str(r[0])))
    if top is not None:
        rows = rows[:top]
    return Series(
        labels=[str(k) if k is not None else "未记录" for k, _ in rows],
        keys=[str(k) if k is not None else NONE_KEY for k, _ in rows],
        values=[int(n) for _, n in rows],
    )


def receptions_over_time(session: Session, *, f: Filters, tz: ZoneInfo) -> Series:
    key = bucket_key(session, F.started_at, f.bucket, tz).label("k")
    stmt = reception_scope(select(key, func.count()), f=f, tz=tz).group_by(key)
    counts: dict[str, int] = dict(session.execute(stmt).all())
    labels = bucket_labels(f)
    return Series(labels, labels, [int(counts.get(x, 0)) for x in labels])


def matters_over_time(session: Session, *, f: Filters, tz: ZoneInfo) -> Series:
    """Matters registered per bucket, and how many of them are archived by now."""
    key = bucket_key(session, MatterRow.registered_at, f.bucket, tz).label("k")
    archived = func.sum(func.cast(MatterRow.status == "archived", Integer))
    stmt = matter_scope(select(key, func.count(), archived), f=f, tz=tz).group_by(key)
    got = {k: (int(n), int(a or 0)) for k, n, a in session.execute(stmt)}
    labels = bucket_labels(f)
    return Series(
        labels,
        labels,
        [got.get(x, (0, 0))[0] for x in labels],
        {"archived": [got.get(x, (0, 0))[1] for x in labels]},
    )


def receptions_by(
    session: Session, *, f: Filters, tz: ZoneInfo, dim: ReceptionDim, top: int = 20
) -> Series:
    """Receptions per value of ``dim``. By category, a reception with matters of two
    categories counts once in each bar (never twice in one)."""
    col = RECEPTION_DIMS[dim]
    stmt = reception_scope(select(col, func.count()), f=f, tz=tz, need=frozenset({dim}))
    return _series(list(session.execute(stmt.group_by(col)).all()), top=top)


def matters_by(
    session: Session, *, f: Filters, tz: ZoneInfo, dim: MatterDim, top: int = 20
) -> Series:
    col = MATTER_DIMS[dim]
    stmt = matter_scope(select(col, func.count()), f=f, tz=tz, need=frozenset({dim})).group_by(col)
    return _series(list(session.execute(stmt).all()), top=top)


def satisfaction(session: Session, *, f: Filters, tz: ZoneInfo) -> Series:
    return receptions_by(session, f=f, tz=tz, dim="rating")


def _visits_per_person(f: Filters, tz: ZoneInfo) -> Any:
    stmt = select(F.person_id.label("pid"), func.count().label("n"))
    stmt = reception_scope(stmt.where(F.person_id.is_not(None)), f=f, tz=tz)
    return stmt.group_by(F.person_id).subquery()


def repeat_distribution(session: Session, *, f: Filters, tz: ZoneInfo) -> Series:
    """How many persons came 1, 2, 3, 4, 5+ times in the period."""
    per = _visits_per_person(f, tz)
    sqlite = session.get_bind().dialect.name == "sqlite"
    n: Any = func.min(per.c.n, 5) if sqlite else func.least(per.c.n, 5)
    rows: dict[int, int] = dict(session.execute(select(n, func.count()).group_by(n)).all())
    labels = ["1 次", "2 次", "3 次", "4 次", "5 次及以上"]
    return Series(labels, ["1", "2", "3", "4", "5"], [int(rows.get(i, 0)) for i in range(1, 6)])


def repeat_petitioners(
    session: Session, *, f: Filters, tz: ZoneInfo, min_visits: int = 2, top: int = 20
) -> Series:
    """Persons with the most visits in the period (keys are person ids)."""
    per = _visits_per_person(f, tz)
    stmt = (
        select(Person.id, Person.name, Person.township, per.c.n)
        .join(per, per.c.pid == Person.id)
        .where(per.c.n >= min_visits)
        .order_by(per.c.n.desc(), Person.id)
        .limit(top)
    )
    rows = session.execute(stmt).all()
    return Series(
        labels=[f"{name}（{town or '—'}）" for _, name, town, _ in rows],
        keys=[pid for pid, *_ in rows],
        values=[int(n) for *_, n in rows],
    )


def repeat_person_ids(f: Filters, tz: ZoneInfo, visits: int) -> Any:
    """Persons who came exactly ``visits`` times in the period (5 means 5 or more)."""
    per = _visits_per_person(f, tz)
    cond = per.c.n >= visits if visits >= 5 else per.c.n == visits
    return select(per.c.pid).where(cond)


def tagged(session: Session, *, matter_ids: list[str]) -> dict[str, MatterTagRow]:
    if not matter_ids:
        return {}
    rows = session.scalars(select(MatterTagRow).where(MatterTagRow.matter_id.in_(matter_ids)))
    return {r.matter_id: r for r in rows}


def in_scope_matter_ids(
    session: Session, *, f: Filters, tz: ZoneInfo, among: list[str]
) -> set[str] | None:
    """Which of ``among`` are in the region/category filters (registered any time);
    None: unfiltered. Asks about the given ids only (a few thousand open matters),
    not every matter of the township."""
    dims = {k: v for k, v in (("township", f.township), ("category", f.category)) if v}
    if not dims:
        return None
    found: set[str] = set()
    for i in range(0, len(among), 500):  # bounded IN lists
        stmt = matter_scope(select(MatterRow.id), f=None, tz=tz, dims=dims)
        found |= set(session.scalars(stmt.where(MatterRow.id.in_(among[i : i + 500]))))
    return found
