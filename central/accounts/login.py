"""A console login attempt, throttled: admit, check the password, count the outcome.

Three short transactions, each starting with its write (on SQLite a transaction that
begins by writing waits for the lock; one that read first may fail at once):

1. ``throttle.admit`` counts the attempt, or refuses it without checking any password;
2. the password is checked (argon2, ~50 ms), with no write lock held;
3. a success resets the username's count and opens the session; a failure may lock.

Unknown usernames go through the same steps (a dummy hash is checked), so neither
the answer nor its timing says whether a username exists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from central.db import utcnow

from . import service, throttle
from .models import Account


class LoginLocked(service.AccountError):
    """Too many failures for this username or address; ``until`` says when to retry."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


def log_in(
    sessions: sessionmaker[Session],
    *,
    username: str,
    password: str,
    client: str,
    limits: throttle.Limits,
    now: datetime | None = None,
) -> str:
    """The new session's cookie token; ``BadCredentials`` or ``LoginLocked`` otherwise."""
    now = now or utcnow()
    with sessions() as s:
        verdict = throttle.admit(s, username=username, ip=client, limits=limits, now=now)
        if isinstance(verdict, throttle.Locked):
            s.rollback()
            raise LoginLocked(verdict.message(now), until=verdict.until)
        s.commit()
    account = _check(sessions, username=verdict.username, password=password)
    if account is None:
        raise _failure(sessions, verdict, limits=limits, now=now)
    with sessions() as s:
        throttle.succeeded(s, verdict)
        token = service.open_session(s, account=account, now=now)
        s.commit()
    with sessions() as s:
        throttle.prune(s, limits=limits, now=now)
    return token


def _check(sessions: sessionmaker[Session], *, username: str, password: str) -> Account | None:
    with sessions() as s:
        try:
            account = service.authenticate(s, username=username, password=password)
        except service.BadCredentials:
            s.rollback()
            return None
        s.commit()  # a rehashed password, if argon2's parameters changed
        return account


def _failure(
    sessions: sessionmaker[Session],
    attempt: throttle.Attempt,
    *,
    limits: throttle.Limits,
    now: datetime,
) -> service.AccountError:
    with sessions() as s:
        lockouts = throttle.failed(s, attempt, limits=limits, now=now)
        s.commit()
    if not lockouts:
        return service.BadCredentials(service.BAD_CREDENTIALS)
    until = max(lk.until for lk in lockouts)
    return LoginLocked(
        f"{service.BAD_CREDENTIALS}。{throttle.lock_message(until, now)}", until=until
    )
