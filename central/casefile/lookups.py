"""Small reads the console's dossier pages need around the 专人专档's services: where a
merged person's dossier went, whose dossier a merge kept, a reception's review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.dossier.models import Person, PersonMerge
from central.workflow.models import ReviewRow


def merged_into(session: Session, person_id: str) -> str | None:
    """The dossier a person was merged into (None: not merged, or no such person)."""
    p = session.get(Person, person_id)
    return p.merged_into if p is not None else None


def merge_survivor(session: Session, merge_id: int) -> str | None:
    """The person a merge kept (None: no such merge)."""
    row = session.get(PersonMerge, merge_id)
    return row.survivor_id if row is not None else None


def review_of(session: Session, reception_id: str) -> ReviewRow | None:
    """The leader's review of a reception, if there is one."""
    return session.scalar(select(ReviewRow).where(ReviewRow.reception_id == reception_id))
