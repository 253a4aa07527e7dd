"""Small reads the console's plan forms need around ``service``: the organs a task may
go to, a plan's tasks' deadlines, whether a draft has tasks, whom a sent plan reached,
and a task with its plan."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.sharing.models import OrganRow

from .models import PlanRow, PlanTaskRow


def organ_kinds(session: Session) -> dict[str, str]:
    """Every organ's kind, by its id."""
    return {i: k for i, k in session.execute(select(OrganRow.id, OrganRow.kind))}


def task_due_dates(session: Session, plan_id: str) -> dict[int, datetime]:
    """The deadline of each of a plan's tasks, by the task's id."""
    rows = session.execute(
        select(PlanTaskRow.id, PlanTaskRow.due_at).where(PlanTaskRow.plan_id == plan_id)
    )
    return {i: due for i, due in rows}


def has_tasks(session: Session, plan_id: str) -> bool:
    """Whether the plan has any task (a draft no rule applied to has none)."""
    first = session.scalar(select(PlanTaskRow.id).where(PlanTaskRow.plan_id == plan_id).limit(1))
    return first is not None


def organ_names(session: Session, plan_id: str) -> list[str]:
    """The names of the organs the plan's tasks go to, in order."""
    return list(
        session.scalars(
            select(OrganRow.name)
            .join(PlanTaskRow, PlanTaskRow.organ_id == OrganRow.id)
            .where(PlanTaskRow.plan_id == plan_id)
            .distinct()
            .order_by(OrganRow.name)
        )
    )


def task_of_matter(
    session: Session, task_id: int, matter_id: str
) -> tuple[PlanTaskRow, PlanRow] | None:
    """A task and its plan, if the plan is the matter's (else None)."""
    t = session.get(PlanTaskRow, task_id)
    p = session.get(PlanRow, t.plan_id) if t else None
    if t is None or p is None or p.matter_id != matter_id:
        return None
    return t, p
