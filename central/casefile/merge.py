"""Merging a duplicate dossier into the surviving one, audited and reversible.

Everything that moves is listed in ``person_merge.moved`` so ``undo_merge`` puts
exactly those rows back. Two records with different ID numbers are never merged
(they are different persons, whatever the names say).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow
from central.dossier.models import Person, PersonMerge, Reception
from central.workflow.models import MatterPersonRow, MatterRow
from central.workflow.scope import person_sites

from .errors import CasefileError


class MergeRefused(CasefileError, ValueError):
    """The merge (or its undo) cannot be done; the message says why."""


def _tables() -> tuple[Any, Any]:

    return MatterRow, MatterPersonRow


def merge_persons(
    session: Session, *, survivor_id: str, merged_id: str, scope: SiteScope, reason: str
) -> PersonMerge:
    """Move ``merged_id``'s receptions and matters to ``survivor_id``. Caller commits.
    Both dossiers must be the caller's site's (a merge writes to both)."""
    survivor, merged = _mergeable(
        session, survivor_id=survivor_id, merged_id=merged_id, scope=scope, reason=reason
    )
    moved = _what_moves(session, survivor_id=survivor_id, merged_id=merged_id)
    _move_records(session, moved, survivor_id=survivor_id, merged_id=merged_id)
    _fill_in_survivor(session, moved, survivor=survivor, merged=merged)
    merged.merged_into = survivor_id
    row = PersonMerge(
        survivor_id=survivor_id,
        merged_id=merged_id,
        actor=scope.actor,
        at=utcnow(),
        reason=reason.strip(),
        moved=moved,
    )
    session.add(row)
    audit.record(
        session,
        actor=scope.actor,
        action="person.merge",
        target=f"person:{merged_id}",
        reason=f"并入 person:{survivor_id}；{reason.strip()}",
    )
    session.flush()
    return row


def _mergeable(
    session: Session, *, survivor_id: str, merged_id: str, scope: SiteScope, reason: str
) -> tuple[Person, Person]:
    """The two persons, once the merge is allowed (else ``MergeRefused`` says why)."""
    if not reason.strip():
        raise MergeRefused("合并须说明理由")
    if survivor_id == merged_id:
        raise MergeRefused("不能与自身合并")
    survivor, merged = session.get(Person, survivor_id), session.get(Person, merged_id)
    if survivor is None or merged is None:
        raise MergeRefused("当事人不存在")
    for pid in (survivor_id, merged_id):  # before anything is said about their state
        scope.write(person_sites(session, pid), what="该当事人的档案")
    if survivor.merged_into or merged.merged_into:
        raise MergeRefused("其中一份档案已被合并，请先撤销或选择合并后的档案")
    a, b = survivor.id_number_hash, merged.id_number_hash
    if a and b and a != b:
        raise MergeRefused("两份档案的身份证号不同，不是同一人，不能合并")
    return survivor, merged


def _what_moves(session: Session, *, survivor_id: str, merged_id: str) -> dict[str, Any]:
    """The rows that move (``person_merge.moved``, what ``undo_merge`` puts back); a
    group's link the survivor already has is dropped, not moved."""
    MatterRow, MatterPersonRow = _tables()
    receptions = list(session.scalars(select(Reception.id).where(Reception.person_id == merged_id)))
    matters = list(session.scalars(select(MatterRow.id).where(MatterRow.person_id == merged_id)))
    on_survivor = set(
        session.scalars(
            select(MatterPersonRow.matter_id).where(MatterPersonRow.person_id == survivor_id)
        )
    )
    links = session.execute(
        select(MatterPersonRow.matter_id, MatterPersonRow.role).where(
            MatterPersonRow.person_id == merged_id
        )
    ).all()
    return {
        "receptions": receptions,
        "matters": matters,
        "matter_person": [[m, r] for m, r in links if m not in on_survivor],
        "matter_person_dropped": [[m, r] for m, r in links if m in on_survivor],
        "id_number": False,
        "phone": None,
        "township": None,
    }


def _move_records(
    session: Session, moved: dict[str, Any], *, survivor_id: str, merged_id: str
) -> None:
    MatterRow, MatterPersonRow = _tables()
    if moved["receptions"]:
        session.execute(
            update(Reception).where(Reception.person_id == merged_id).values(person_id=survivor_id)
        )
    if moved["matters"]:
        session.execute(
            update(MatterRow).where(MatterRow.person_id == merged_id).values(person_id=survivor_id)
        )
    for m, _ in moved["matter_person_dropped"]:
        session.execute(
            delete(MatterPersonRow).where(
                MatterPersonRow.matter_id == m, MatterPersonRow.person_id == merged_id
            )
        )
    if moved["matter_person"]:
        session.execute(
            update(MatterPersonRow)
            .where(MatterPersonRow.person_id == merged_id)
            .values(person_id=survivor_id)
        )


def _fill_in_survivor(
    session: Session, moved: dict[str, Any], *, survivor: Person, merged: Person
) -> None:
    """What the survivor lacks and the merged record has: the ID number, phone and
    township move over (noted in ``moved``)."""
    if merged.id_number_hash and not survivor.id_number_hash:
        h, enc = merged.id_number_hash, merged.id_number_enc
        merged.id_number_hash, merged.id_number_enc = None, None
        session.flush()  # the hash is unique: free it before the survivor takes it
        survivor.id_number_hash, survivor.id_number_enc = h, enc
        moved["id_number"] = True
    if merged.phone and not survivor.phone:
        survivor.phone = moved["phone"] = merged.phone
    if merged.township and not survivor.township:
        survivor.township = moved["township"] = merged.township


def undo_merge(session: Session, *, merge_id: int, scope: SiteScope, reason: str) -> PersonMerge:
    """Put back exactly what ``merge_persons`` moved. Caller commits."""
    actor = scope.actor
    if not reason.strip():
        raise MergeRefused("撤销合并须说明理由")
    row = session.get(PersonMerge, merge_id)
    if row is None:
        raise MergeRefused(f"合并记录不存在：{merge_id}")
    if row.undone_at is not None:
        raise MergeRefused("该合并已撤销")
    survivor, merged = session.get(Person, row.survivor_id), session.get(Person, row.merged_id)
    assert survivor is not None and merged is not None  # foreign keys
    scope.write(person_sites(session, row.survivor_id), what="该当事人的档案")
    if survivor.merged_into:
        raise MergeRefused("保留的档案此后又被合并，请先撤销那次合并")
    MatterRow, MatterPersonRow = _tables()
    mv = row.moved
    if mv["receptions"]:
        session.execute(
            update(Reception)
            .where(Reception.id.in_(mv["receptions"]), Reception.person_id == row.survivor_id)
            .values(person_id=row.merged_id)
        )
    if mv["matters"]:
        session.execute(
            update(MatterRow)
            .where(MatterRow.id.in_(mv["matters"]), MatterRow.person_id == row.survivor_id)
            .values(person_id=row.merged_id)
        )
    for m, _ in mv["matter_person"]:
        session.execute(
            update(MatterPersonRow)
            .where(MatterPersonRow.matter_id == m, MatterPersonRow.person_id == row.survivor_id)
            .values(person_id=row.merged_id)
        )
    if mv["matter_person_dropped"]:
        session.execute(
            insert(MatterPersonRow),
            [
                {"matter_id": m, "person_id": row.merged_id, "role": r}
                for m, r in mv["matter_person_dropped"]
            ],
        )
    if mv["id_number"]:
        h, enc = survivor.id_number_hash, survivor.id_number_enc
        survivor.id_number_hash, survivor.id_number_enc = None, None
        session.flush()
        merged.id_number_hash, merged.id_number_enc = h, enc
    if mv["phone"] and survivor.phone == mv["phone"]:
        survivor.phone = None
    if mv["township"] and survivor.township == mv["township"]:
        survivor.township = None
    merged.merged_into = None
    row.undone_at, row.undone_by, row.undo_reason = utcnow(), actor, reason.strip()
    audit.record(
        session,
        actor=actor,
        action="person.merge.undo",
        target=f"person:{row.merged_id}",
        reason=f"撤销并入 person:{row.survivor_id}；{reason.strip()}",
    )
    session.flush()
    return row


# ---- requests of their own, each one unit of work ---------------------------------------


def merge_duplicate(
    session: Session, *, survivor_id: str, merged_id: str, scope: SiteScope, reason: str
) -> PersonMerge:
    """``merge_persons``, committed; ``MergeRefused`` writes nothing."""
    with unit_of_work(session):
        return merge_persons(
            session, survivor_id=survivor_id, merged_id=merged_id, scope=scope, reason=reason
        )


def reverse_merge(session: Session, *, merge_id: int, scope: SiteScope, reason: str) -> PersonMerge:
    """``undo_merge``, committed; ``MergeRefused`` writes nothing."""
    with unit_of_work(session):
        return undo_merge(session, merge_id=merge_id, scope=scope, reason=reason)
