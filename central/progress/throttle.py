"""Progress lookups counted in the database, per caller and per 文号.

The rows live in ``login_throttle`` (scopes ``q-addr``, ``q-box``, ``q-ref``): the same
atomic counter as the login throttle, so every central process on the database counts
together, without a table of its own. Each lookup is *admitted* before its code is
compared, one statement per scope (the caller's, then the 文号's: the same lock order
in every transaction)::

    INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1   (1 in a new window)
    WHERE failures < limit OR the window has ended RETURNING failures

No row back means refused; the caller rolls back, so a refused lookup counts nowhere
and compares no code. Every lookup counts, right or wrong: a 文号 that exists and one
that does not are counted alike, so the throttle says nothing about which exist. A
fixed window, not a doubling lock: a petitioner locked out by someone guessing at
their 文号 waits at most one window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, literal, or_, select
from sqlalchemy.orm import Session

from central.accounts.models import LoginThrottle
from central.db import UTCDateTime, upsert_insert
from central.settings import Settings

ADDRESS, BOX, REF = "q-addr", "q-box", "q-ref"
KEY_MAX = 120
TABLE = cast(Table, LoginThrottle.__table__)


@dataclass(frozen=True, slots=True)
class Limits:
    per_caller: int = 20  # one address, or one box
    per_ref: int = 10  # one 文号, every caller together
    window: timedelta = timedelta(minutes=10)

    @classmethod
    def of(cls, settings: Settings | None) -> Limits:
        if settings is None:
            return cls()
        return cls(
            per_caller=settings.progress_per_address,
            per_ref=settings.progress_per_ref,
            window=timedelta(seconds=settings.progress_window_s),
        )


@dataclass(frozen=True, slots=True)
class Admitted:
    caller_count: int
    ref_count: int


@dataclass(frozen=True, slots=True)
class Refused:
    scope: str
    until: datetime


def _count(
    session: Session, insert: Any, scope: str, key: str, limit: int, window: timedelta,
    now: datetime,
) -> int | None:  # fmt: skip
    t = TABLE
    stamp = literal(now, UTCDateTime())
    expired = t.c.window_start <= now - window
    stmt = (
        insert(t)
        .values(scope=scope, key=key, failures=1, window_start=now, last_at=now, lockouts=0)
        .on_conflict_do_update(
            index_elements=[t.c.scope, t.c.key],
            set_={
                "failures": case((expired, 1), else_=t.c.failures + 1),
                "window_start": case((expired, stamp), else_=t.c.window_start),
                "last_at": stamp,
            },
            where=or_(t.c.failures < limit, expired),
        )
        .returning(t.c.failures)
    )
    got = session.execute(stmt).scalar_one_or_none()
    return None if got is None else int(got)


def _until(session: Session, scope: str, key: str, window: timedelta) -> datetime:
    start = session.execute(
        select(LoginThrottle.window_start).where(
            LoginThrottle.scope == scope, LoginThrottle.key == key
        )
    ).scalar_one()
    return cast(datetime, start) + window


def admit(
    session: Session, *, caller_scope: str, caller: str, ref_no: str, limits: Limits,
    now: datetime,
) -> Admitted | Refused:  # fmt: skip
    """Count one lookup for its caller and its 文号. The caller commits an ``Admitted``
    and rolls back a ``Refused``. Start a fresh transaction (SQLite: this write first)."""
    insert = upsert_insert(session)
    counts: list[int] = []
    for scope, key, limit in (
        (caller_scope, caller[:KEY_MAX] or "unknown", limits.per_caller),
        (REF, ref_no[:KEY_MAX], limits.per_ref),
    ):
        got = _count(session, insert, scope, key, limit, limits.window, now)
        if got is None:
            return Refused(scope, _until(session, scope, key[:KEY_MAX], limits.window))
        counts.append(got)
    return Admitted(counts[0], counts[1])
