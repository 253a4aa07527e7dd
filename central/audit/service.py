"""Writing the audit trail. Callers commit together with the read they audit."""

from __future__ import annotations

from sqlalchemy.orm import Session

from central.db import utcnow

from .models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target: str,
    reason: str = "",
    client: str | None = None,
) -> AuditLog:
    row = AuditLog(
        at=utcnow(),
        actor=actor[:200],
        action=action,
        target=target,
        reason=reason[:500],
        client=client,
    )
    session.add(row)
    return row
