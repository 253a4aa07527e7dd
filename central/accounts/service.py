"""Accounts and sessions (keyword-only queries; the caller commits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from central.access.principals import Staff
from central.audit import service as audit
from central.db import utcnow
from central.labels import ROLE_ZH

from . import passwords, throttle
from .errors import AccountsError
from .models import ROLES, Account, WebSession

SESSION_LIFETIME = timedelta(hours=10)  # one working day
BAD_CREDENTIALS = "用户名或密码错误"


class AccountError(AccountsError, ValueError):
    """Root of account errors; the message is shown to the person."""


class AccountExists(AccountError):
    pass


class BadCredentials(AccountError):
    pass


class UnknownAccount(AccountError):
    pass


# the logged-in account as handlers see it (central.access.principals.Staff)
Current = Staff


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
    note: str = "",
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
        reason=_why(
            f"角色：{ROLE_ZH.get(role, role)}；所属：{'全部院' if org == '*' else org}", note
        ),
    )
    return acc


def authenticate(session: Session, *, username: str, password: str) -> Account:
    acc = session.scalar(select(Account).where(Account.username == username.strip()))
    if acc is None or not acc.active:
        passwords.verify_password(passwords.DUMMY_HASH, password)
        raise BadCredentials(BAD_CREDENTIALS)
    if not passwords.verify_password(acc.password_hash, password):
        raise BadCredentials(BAD_CREDENTIALS)
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


# ---- administration (``zhifang central user ...``) -----------------------------------


def existing(session: Session, username: str) -> Account:
    acc = by_username(session, username)
    if acc is None:
        raise UnknownAccount(f"没有此账户：{username}")
    return acc


def end_sessions(session: Session, *, account_id: int) -> int:
    """Log the account out everywhere, now; how many sessions ended."""
    gone = session.execute(
        delete(WebSession)
        .where(WebSession.account_id == account_id)
        .returning(WebSession.token_hash)
    ).all()
    return len(gone)


def _why(done: str, note: str) -> str:
    """The audit reason: what the change did, then why the person making it says so."""
    return "；".join(p for p in (done, note.strip()) if p)[:500]


def set_active(session: Session, *, username: str, active: bool, actor: str, note: str = "") -> int:
    """Enable or disable an account; disabling ends its sessions at once (how many)."""
    acc = existing(session, username)
    acc.active = active
    ended = 0 if active else end_sessions(session, account_id=acc.id)
    audit.record(
        session,
        actor=actor,
        action="account.enable" if active else "account.disable",
        target=f"account:{acc.username}",
        reason=_why("" if active else f"结束会话 {ended} 个", note),
    )
    return ended


def reset_password(
    session: Session, *, username: str, password: str, actor: str, note: str = ""
) -> int:
    """A new password: the account's sessions end and its login lock is lifted (the
    old password may be what was leaked); returns how many sessions ended."""
    acc = existing(session, username)
    acc.password_hash = passwords.hash_password(password)
    ended = end_sessions(session, account_id=acc.id)
    throttle.clear(session, scope=throttle.USER, key=acc.username)
    audit.record(
        session,
        actor=actor,
        action="account.password.reset",
        target=f"account:{acc.username}",
        reason=_why(f"结束会话 {ended} 个；解除登录锁定", note),
    )
    return ended


def unlock(session: Session, *, username: str, actor: str, note: str = "") -> datetime | None:
    """Lift a username's login lock and forget its failures; the lock it was under."""
    acc = existing(session, username)
    was = throttle.clear(session, scope=throttle.USER, key=acc.username)
    audit.record(
        session,
        actor=actor,
        action="account.unlock",
        target=f"account:{acc.username}",
        reason=_why(f"原锁定至 {was.isoformat()}" if was else "清除登录失败计数", note),
    )
    return was


def unlock_address(session: Session, *, ip: str, actor: str) -> datetime | None:
    """Lift a client address's login lock (e.g. an office behind one NAT address)."""
    was = throttle.clear(session, scope=throttle.IP, key=ip)
    audit.record(
        session,
        actor=actor,
        action="login.ip.unlock",
        target=f"ip:{ip}",
        reason=f"原锁定至 {was.isoformat()}" if was else "清除登录失败计数",
    )
    return was


def list_accounts(
    session: Session, *, now: datetime | None = None
) -> list[tuple[Account, datetime | None]]:
    """Every account, by name, with the time its login lock ends (None: not locked)."""
    locked = throttle.locks(session, scope=throttle.USER, now=now or utcnow())
    accounts = session.scalars(select(Account).order_by(Account.username))
    return [(a, locked.get(a.username)) for a in accounts]


def update_account(
    session: Session,
    *,
    username: str,
    role: str,
    org: str,
    display_name: str,
    actor: str,
    note: str = "",
) -> list[str]:
    """Change an account's role, site and display name; what changed, in words (nothing
    changed: nothing is recorded). The account's sessions stay: each request reads its
    role and site afresh."""
    acc = existing(session, username)
    if role not in ROLES:
        raise AccountError(f"角色须为 {' / '.join(ROLE_ZH[r] for r in ROLES)} 之一")
    org, display_name = org.strip(), display_name.strip()[:100]
    if not org:
        raise AccountError("须指定所属院")
    if not display_name:
        raise AccountError("须填写姓名")

    def where(o: str) -> str:
        return "全部院" if o == "*" else o

    changed = []
    if role != acc.role:
        changed.append(f"角色 {ROLE_ZH[acc.role]}→{ROLE_ZH[role]}")
    if org != acc.org:
        changed.append(f"所属 {where(acc.org)}→{where(org)}")
    if display_name != acc.display_name:
        changed.append(f"姓名 {acc.display_name}→{display_name}")
    if changed:
        acc.role, acc.org, acc.display_name = role, org, display_name
        audit.record(
            session,
            actor=actor,
            action="account.update",
            target=f"account:{acc.username}",
            reason=_why("，".join(changed), note),
        )
    return changed


def find_accounts(
    session: Session,
    *,
    org: str | None,
    q: str = "",
    offset: int = 0,
    limit: int = 50,
    now: datetime | None = None,
) -> tuple[list[tuple[Account, datetime | None]], int]:
    """A page of accounts (of ``org``; None: every org) whose login or display name
    contains ``q``, by login name, each with the time its login lock ends; and how
    many match in all."""
    where = []
    if org is not None:
        where.append(Account.org == org)
    if q.strip():
        text = q.strip()  # % and _ typed are meant literally
        where.append(
            or_(
                Account.username.contains(text, autoescape=True),
                Account.display_name.contains(text, autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(Account).where(*where)) or 0
    rows = session.scalars(
        select(Account).where(*where).order_by(Account.username).offset(offset).limit(limit)
    ).all()
    locked = throttle.locks(session, scope=throttle.USER, now=now or utcnow())
    return [(a, locked.get(a.username)) for a in rows], total
