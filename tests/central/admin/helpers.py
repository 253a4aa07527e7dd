"""Admins as the console sees them (``Staff``), accounts to manage, and what the audit
log says about a target."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.access.principals import Staff
from central.accounts import service as accounts
from central.accounts.models import Account, LoginThrottle
from central.audit.models import AuditLog
from central.db import utcnow
from tests.auth import PASSWORD, add_user

__all__ = ["PASSWORD", "add_user", "audit_of", "lock", "staff"]


def staff(sessions: sessionmaker[Session], username: str, role: str = "admin", org: str = "*"):
    """A new account and the principal its logins carry."""
    add_user(sessions, username, role, org, display_name=f"{username}的名字")
    with sessions() as s:
        a = s.scalars(select(Account).where(Account.username == username)).one()
        return Staff(a.id, a.username, a.display_name, a.role, a.org, "csrf")


def account(sessions: sessionmaker[Session], username: str) -> Account:
    with sessions() as s:
        acc = accounts.by_username(s, username)
        assert acc is not None
        s.expunge(acc)
        return acc


def audit_of(sessions: sessionmaker[Session], target: str) -> list[tuple[str, str, str]]:
    """(actor, action, reason) of every audit row about ``target``, oldest first."""
    with sessions() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.target == target).order_by(AuditLog.id))
        return [(r.actor, r.action, r.reason) for r in rows]


def lock(sessions: sessionmaker[Session], username: str) -> None:
    """The username locked out for failed logins (as the throttle leaves it)."""
    now = utcnow()
    with sessions.begin() as s:
        s.add(
            LoginThrottle(
                scope="user", key=username, failures=10, window_start=now, last_at=now,
                lockouts=1, locked_until=now + timedelta(minutes=15),
            )
        )  # fmt: skip
