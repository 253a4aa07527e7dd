"""Alert rows and who receives them: what every alert shares (its level, the leaders
on duty, the admins, adding a row once by its key). ``service``, ``risk`` and
``awareness.warnings`` raise alerts with these."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.accounts.models import Account

from .models import AlertRow

LEVEL = {
    "due_soon": "warning",
    "overdue": "danger",
    "record_problem": "danger",
    "high_risk": "danger",
    "early_warning": "warning",  # the default; each takes its warning's level
    "foreign_reception": "danger",
    "quarantine_flood": "warning",
    "calendar_gap": "warning",
    "evidence_parked": "warning",
}


def leaders_on_duty(session: Session, org: str | None) -> list[str]:
    """On-duty leaders of ``org`` (or of every org); all its leaders if none is on duty."""
    base = select(Account.username).where(Account.role == "leader", Account.active.is_(True))
    if org is not None:
        base = base.where(or_(Account.org == org, Account.org == "*"))
    on_duty = list(
        session.scalars(base.where(Account.on_duty.is_(True)).order_by(Account.username))
    )
    return on_duty or list(session.scalars(base.order_by(Account.username)))


def new_rows(session: Session, rows: Iterable[AlertRow]) -> list[AlertRow]:
    """Add the rows whose key is not stored yet (dedupe by key, one query)."""
    rows = list({r.key: r for r in rows}.values())
    if not rows:
        return []
    known = set(
        session.scalars(select(AlertRow.key).where(AlertRow.key.in_([r.key for r in rows])))
    )
    fresh = [r for r in rows if r.key not in known]
    session.add_all(fresh)
    return fresh


def admins_or_leaders(session: Session) -> list[str]:
    """Who hears about the system itself: the active admins, else every org's leaders."""
    admins = list(
        session.scalars(
            select(Account.username)
            .where(Account.role == "admin", Account.active.is_(True))
            .order_by(Account.username)
        )
    )
    return admins or leaders_on_duty(session, None)
