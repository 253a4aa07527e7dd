"""The audit log as auditors search it at the console: by who (login or display name),
what (an action the labels know), whose (a person's name, or part of one) and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.audit.models import AuditLog
from central.dossier.models import Person
from central.labels import AUDIT_ZH

MAX_PEOPLE = 500  # persons a name may match before the rest are left out


def search(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    person: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    before: int = 0,
    limit: int,
) -> list[AuditLog]:
    """Audit rows, newest first, at most ``limit``; ``before``: ids below this one."""
    q = select(AuditLog)
    if actor:
        names = select(Account.username).where(Account.display_name == actor.strip())
        q = q.where(AuditLog.actor.in_(names) | (AuditLog.actor == actor.strip()))
    if action in AUDIT_ZH:
        q = q.where(AuditLog.action == action)
    if person.strip():
        ids = session.scalars(
            select(Person.id).where(Person.name.contains(person.strip(), autoescape=True))
        ).all()
        q = q.where(AuditLog.target.in_([f"person:{i}" for i in ids[:MAX_PEOPLE]]))
    if start is not None and end is not None:
        q = q.where(AuditLog.at >= start, AuditLog.at < end)
    if before:
        q = q.where(AuditLog.id < before)
    return list(session.scalars(q.order_by(AuditLog.id.desc()).limit(limit)))
