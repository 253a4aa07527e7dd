"""Accounts and sessions (keyword-only queries; the caller commits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.db import utcnow

from . import passwords
from .models import ROLES, Account, WebSession

SESSION_LIFETIME = timedelta(hours=10)  # one working day


class AccountError(ValueError):
    """Root of account errors; the message is shown to the person."""


class AccountExists(AccountError):
    pass


class BadCredentials(AccountError):
    pass


@dataclass(frozen=True, slots=True)
class Current:
    """The logged-in account as request handlers see it."""

    id: int
    username: str
    display_name: str
    role: str
    org: str
    csrf: str

    def may(self, *roles: str) -> bool:
        return self.role in roles

    def sees_org(self, org: str | None) -> bool:
        return self.org == "*" or self.role == "admin" or org == self.org


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_account(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    org: str,
    display_name: str | None = None,
    leader: str | None = None,
    device: str | None = None,
    on_duty: bool = False,
    actor: str = "cli",
) -> Account:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("用户名须为 1–64 个字符")
    if role not in ROLES:
        raise AccountError(f"角色须为 {' / '.join(ROLES)} 之一，而不是 {role!r}")
    if not org.strip():
        raise AccountError("须指定所属单位（--org）")
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise AccountExists(f"用户名已存在：{username}")
    acc = Account(
        username=username,
        display_name=(display_name or username).strip()[:100],
        role=role,
        org=org.strip(),
        password_hash=passwords.hash_password(password),
        active=True,
        on_duty=on_duty,
        leader=leader,
        device=device,
        created_at=utcnow(),
    )
    session.add(acc)
    audit.record(
        session,
        actor=actor,
        action="account.add",
        target=f"account:{username}",
        reason=f"role={role} org={org}",
    )
    return acc


def authenticate(session: Session, *, username: str, password: str) -> Account:
    acc = session.scalar(select(Account).where(Account.username == username.strip()))
    if acc is None or not acc.active:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        raise BadCredentials("用户名或密码错误")
    if not passwords.verify_password(acc.password_hash, password):
        raise BadCredentials("用户名或密码错误")
    if passwords.needs_rehash(acc.password_hash):
        acc.password_hash = passwords.hash_password(password)
    return acc


def open_session(session: Session, *, account: Account, now: datetime | None = None) -> str:
    """A new login; returns the cookie token (shown once, stored hashed)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            account_id=account.id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    audit.record(
        session,
        actor=account.username,
        action="account.login",
        target=f"account:{account.username}",
    )
    return token


def current(session: Session, *, token: str, now: datetime | None = None) -> Current | None:
    now = now or utcnow()
    row = session.execute(
        select(WebSession, Account)
        .join(Account, Account.id == WebSession.account_id)
        .where(WebSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    ws, acc = row
    if ws.expires_at < now or not acc.active:
        return None
    return Current(acc.id, acc.username, acc.display_name, acc.role, acc.org, ws.csrf)


def close_session(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def by_username(session: Session, username: str) -> Account | None:
    return session.scalar(select(Account).where(Account.username == username))
