"""The dashboard's derived tables: check them against the data, or rebuild them.

``awareness_reception_fact`` and ``awareness_matter_time`` (models in ``models.py``)
are kept by database triggers (migration ``0011_awareness_facts``), so no code path
can forget them. ``drift`` says how far they are from what the base tables give now
(zero, unless someone wrote with the triggers disabled, e.g. a restore of the base
tables alone); ``rebuild`` derives them again, in the caller's transaction.
The statements are those of the migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

FACT_COLS = (
    "reception_id, category, weight, started_at, township, person_id, officer_id, kind, rating, "
    "visitors"
)
DERIVED_FACTS = """
SELECT r.id AS reception_id, c.category AS category,
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY c.category) = 1
            THEN 1 ELSE 0 END AS weight,
       r.started_at AS started_at, p.township AS township, r.person_id AS person_id,
       r.officer_id AS officer_id, r.kind AS kind, r.rating AS rating, r.visitors AS visitors
FROM reception r
LEFT JOIN person p ON p.id = r.person_id
LEFT JOIN (SELECT DISTINCT m.reception_id AS rid, t.category AS category
           FROM matter m JOIN awareness_matter_tag t ON t.matter_id = m.id) c ON c.rid = r.id
"""
DERIVED_TIMES = """
SELECT matter_id,
       MIN(CASE WHEN action IN ('accept', 'decline', 'transfer') THEN at END) AS decided_at,
       MIN(CASE WHEN action = 'reply' THEN at END) AS replied_at,
       MIN(CASE WHEN action = 'archive' THEN at END) AS archived_at
FROM matter_transition
WHERE action IN ('accept', 'decline', 'transfer', 'reply', 'archive')
GROUP BY matter_id
"""
TIME_COLS = "matter_id, decided_at, replied_at, archived_at"


@dataclass(frozen=True, slots=True)
class Drift:
    """Rows stored but not derivable now (``extra``), and derivable but not stored."""

    facts_extra: int
    facts_missing: int
    times_extra: int
    times_missing: int

    @property
    def clean(self) -> bool:
        return not any((self.facts_extra, self.facts_missing, self.times_extra, self.times_missing))


def _diff(session: Session, stored: str, derived: str, cols: str) -> tuple[int, int]:
    stored_q = f"SELECT {cols} FROM {stored}"
    derived_q = f"SELECT {cols} FROM ({derived}) d"

    def count(q: str) -> int:
        return int(session.execute(text(f"SELECT COUNT(*) FROM ({q}) x")).scalar_one())

    return count(f"{stored_q} EXCEPT {derived_q}"), count(f"{derived_q} EXCEPT {stored_q}")


def drift(session: Session) -> Drift:
    """Compare the derived tables with the base tables (a full scan of both)."""
    fe, fm = _diff(session, "awareness_reception_fact", DERIVED_FACTS, FACT_COLS)
    # EXCEPT compares sets: a row stored twice shows up only here
    fe += int(
        session.execute(
            text(
                "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n "
                "FROM awareness_reception_fact GROUP BY reception_id, category) x"
            )
        ).scalar_one()
    )
    te, tm = _diff(session, "awareness_matter_time", DERIVED_TIMES, TIME_COLS)
    return Drift(fe, fm, te, tm)


def rebuild(session: Session) -> tuple[int, int]:
    """Derive both tables again from the base tables; (facts, matter times) written.
    Runs in the caller's transaction (the caller commits)."""
    session.execute(text("DELETE FROM awareness_reception_fact"))
    session.execute(text("DELETE FROM awareness_matter_time"))
    facts = session.execute(
        text(f"INSERT INTO awareness_reception_fact ({FACT_COLS}) {DERIVED_FACTS}")
    )
    times = session.execute(
        text(f"INSERT INTO awareness_matter_time ({TIME_COLS}) {DERIVED_TIMES}")
    )
    return _rows(facts), _rows(times)


def _rows(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)
