"""Console login throttling, in the database, in three scopes:

* **user at address** (``pair``): a few failures lock this username *from this address*,
  each lock twice the one before (up to a day). A stranger guessing from elsewhere
  cannot lock the real user out: the user's own address is another pair.
* **address** (``ip``): many failures over any usernames lock the address.
* **user** (``user``, every address together): never locked; past a number of failures
  each further attempt waits a little longer (a slowdown, at most a minute), so a
  guesser spread over many addresses gets about one guess a minute per username, and
  the real user is only ever slowed, never shut out.

Counted in ``login_throttle`` so every central process on the database counts together.
Each attempt is *admitted* before its password is checked, one atomic statement per
scope (user, pair, then address: the same lock order in every transaction, so no
deadlock on PostgreSQL)::

    INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1   (1 in a new window)
    WHERE not locked AND failures < limit RETURNING failures, lockouts

No row back means refused, and the caller rolls back, so a refused attempt counts
nowhere. Because the count rises before the slow argon2 check, N concurrent guesses at
one name get exactly ``limit`` checks, not N. Then:

* failure: the count stays; the attempt that brought a pair's or an address's count to
  its limit locks it for ``lock · 2^(lockouts)`` (capped at ``lock_max``), and the
  lockout is audited; past ``user_slow_after`` failures the user's next attempt waits
  ``2^(failures - user_slow_after)`` seconds (capped at ``user_slow_max``);
* success: the username's and the pair's rows are deleted (their counts and lockout
  history start over); the address's count goes back down by one. Only failures count
  against an address, and a success does not forgive its others: one valid account
  must not let a guesser at the same address go on.

Usernames are counted whether or not the account exists, and a locked attempt checks
no password at all, so a lockout says nothing about which usernames exist.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CursorResult,
    Table,
    and_,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.db import UTCDateTime, upsert_insert
from central.settings import Settings

from .models import LoginThrottle

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # lock times are shown in Beijing time
USER, PAIR, IP = "user", "pair", "ip"
ACTOR = "login-throttle"
KEY_MAX = 64  # a username's or an address's part of a key
TABLE = cast(Table, LoginThrottle.__table__)


@dataclass(frozen=True, slots=True)
class Limits:
    user_failures: int = 5  # per username at one address: then that pair is locked
    ip_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    lock_max: timedelta = timedelta(days=1)
    user_slow_after: int = 10  # per username over every address: then each try waits
    user_slow_max: timedelta = timedelta(minutes=1)

    @classmethod
    def of(cls, settings: Settings | None) -> Limits:
        if settings is None:  # a bare app in tests
            return cls()
        return cls(
            user_failures=settings.login_max_failures,
            ip_failures=settings.login_ip_max_failures,
            window=timedelta(seconds=settings.login_window_s),
            lock=timedelta(seconds=settings.login_lock_s),
            lock_max=timedelta(seconds=settings.login_lock_max_s),
            user_slow_after=settings.login_user_slow_after,
            user_slow_max=timedelta(seconds=settings.login_user_slow_max_s),
        )

    def slowdown(self, failures: int) -> timedelta:
        """How long a username waits after its ``failures``-th failure (pure)."""
        over = failures - self.user_slow_after
        if over < 0:
            return timedelta(0)
        if over > 20:
            return self.user_slow_max
        return min(timedelta(seconds=2**over), self.user_slow_max)

    def lock_for(self, nth: int) -> timedelta:
        """The ``nth`` lockout's length (pure): doubling, capped."""
        if nth > 40:  # 2^40 locks outlast any cap; no huge integers
            return self.lock_max
        return min(self.lock * 2 ** max(nth - 1, 0), self.lock_max)

    def limit(self, scope: str) -> int | None:
        """Failures in a window before a lock; None: never locked (the user's slowdown)."""
        return {PAIR: self.user_failures, IP: self.ip_failures}.get(scope)


@dataclass(frozen=True, slots=True)
class Attempt:
    """An admitted attempt: its keys and its place in each scope's count."""

    username: str
    ip: str
    user_count: int
    pair_count: int
    ip_count: int

    @property
    def pair(self) -> str:
        return pair_key(self.username, self.ip)


@dataclass(frozen=True, slots=True)
class Locked:
    until: datetime
    slowed: bool = False  # the username's slowdown, not a lock

    def message(self, now: datetime) -> str:
        if self.slowed:
            secs = max(1, math.ceil((self.until - now).total_seconds()))
            return f"该用户名登录失败较多，为防止猜测密码，请 {secs} 秒后再试。"
        return lock_message(self.until, now)


@dataclass(frozen=True, slots=True)
class Lockout:
    scope: str
    key: str
    until: datetime
    nth: int


def lock_message(until: datetime, now: datetime) -> str:
    """The same words for every lock (known or unknown username, or address)."""
    local = until.astimezone(LOCAL_TZ)
    same_day = local.date() == now.astimezone(LOCAL_TZ).date()
    when = f"{local:%H:%M}" if same_day else f"{local.month}月{local.day}日 {local:%H:%M}"
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        f"登录失败次数过多，已暂时锁定。请于 {when}（北京时间，约 {minutes} 分钟后）再试，"
        "或请管理员解锁。"
    )


def keys(username: str, ip: str) -> tuple[str, str]:
    return username.strip()[:KEY_MAX], (ip or "unknown")[:KEY_MAX]


def pair_key(username: str, ip: str) -> str:
    """A username at an address (the unit that is locked)."""
    return f"{username}\x1f{ip}"


def _not_locked(now: datetime) -> Any:
    t = TABLE
    return or_(t.c.locked_until.is_(None), t.c.locked_until <= now)


def _count(
    session: Session, insert: Any, scope: str, key: str, limits: Limits, now: datetime
) -> tuple[int, int] | None:
    """Count one attempt unless the scope is locked or full: (count, lockouts) or None."""
    t = TABLE
    stamp = literal(now, UTCDateTime())
    expired = t.c.window_start <= now - limits.window
    quiet = func.coalesce(t.c.locked_until, t.c.last_at)  # a lock ends after the last attempt
    stmt = (
        insert(t)
        .values(scope=scope, key=key, failures=1, window_start=now, last_at=now, lockouts=0)
        .on_conflict_do_update(
            index_elements=[t.c.scope, t.c.key],
            set_={
                "failures": case((expired, 1), else_=t.c.failures + 1),
                "window_start": case((expired, stamp), else_=t.c.window_start),
                # quiet (no attempt, no lock) as long as the longest lock: the next
                # lockout is a first again
                "lockouts": case((quiet <= now - limits.lock_max, 0), else_=t.c.lockouts),
                "last_at": stamp,
            },
            where=_admissible(scope, limits, now, expired),
        )
        .returning(t.c.failures, t.c.lockouts)
    )
    row = session.execute(stmt).first()
    return None if row is None else (int(row[0]), int(row[1]))


def _admissible(scope: str, limits: Limits, now: datetime, expired: Any) -> Any:
    limit = limits.limit(scope)
    if limit is None:  # the user's count: only its slowdown holds an attempt back
        return _not_locked(now)
    return and_(_not_locked(now), or_(TABLE.c.failures < limit, expired))


def _retry_at(session: Session, scope: str, key: str, limits: Limits, now: datetime) -> datetime:
    row = session.execute(
        select(LoginThrottle.locked_until, LoginThrottle.lockouts).where(
            LoginThrottle.scope == scope, LoginThrottle.key == key
        )
    ).one()
    if row.locked_until is not None and row.locked_until > now:
        return cast(datetime, row.locked_until)
    # full, and the attempt that filled it is still being checked: it will lock this long
    return now + limits.lock_for(int(row.lockouts) + 1)


def admit(
    session: Session, *, username: str, ip: str, limits: Limits, now: datetime
) -> Attempt | Locked:
    """Count an attempt in its username's and its address's windows. The caller commits
    an ``Attempt`` and rolls back a ``Locked``. Start a fresh transaction: on SQLite one
    that begins with this write waits for the lock, one that read first may fail at once."""
    user, addr = keys(username, ip)
    insert = upsert_insert(session)
    counts: list[int] = []
    for scope, key in ((USER, user), (PAIR, pair_key(user, addr)), (IP, addr)):
        got = _count(session, insert, scope, key, limits, now)
        if got is None:
            return Locked(_retry_at(session, scope, key, limits, now), slowed=scope == USER)
        counts.append(got[0])
    return Attempt(user, addr, counts[0], counts[1], counts[2])


def _lock(session: Session, scope: str, key: str, limits: Limits, now: datetime) -> Lockout | None:
    t = TABLE
    # the row stays locked by this transaction between the two statements
    nth = session.execute(
        update(t)
        .where(t.c.scope == scope, t.c.key == key, _not_locked(now))
        .values(lockouts=t.c.lockouts + 1, failures=0, window_start=now)
        .returning(t.c.lockouts)
    ).scalar_one_or_none()
    if nth is None:  # reset by a success meanwhile, or already locked
        return None
    until = now + limits.lock_for(int(nth))
    session.execute(update(t).where(t.c.scope == scope, t.c.key == key).values(locked_until=until))
    return Lockout(scope, key, until, int(nth))


def _slow(session: Session, attempt: Attempt, limits: Limits, now: datetime) -> None:
    """Past its threshold, the username's next attempt waits (a slowdown, not a lock)."""
    wait = limits.slowdown(attempt.user_count)
    if not wait:
        return
    t = TABLE
    session.execute(
        update(t)
        .where(t.c.scope == USER, t.c.key == attempt.username)
        .values(locked_until=now + wait)
    )
    if attempt.user_count == limits.user_slow_after:  # said once, when it starts
        audit.record(
            session, actor=ACTOR, action="account.slowdown", target=f"account:{attempt.username}",
            reason=f"用户名在 {_minutes(limits.window)} 分钟内登录失败 {attempt.user_count} 次"
            f"（各地址合计）；此后每次尝试须等待，最长 {_minutes(limits.user_slow_max)} 分钟",
            client=attempt.ip,
        )  # fmt: skip


def failed(session: Session, attempt: Attempt, *, limits: Limits, now: datetime) -> list[Lockout]:
    """The attempt's password was wrong (or the account unknown or disabled): the one
    that filled a pair's or an address's window locks it; each lockout is audited; the
    username slows down. The caller commits."""
    _slow(session, attempt, limits, now)
    done: list[Lockout] = []
    for scope, key, count in (
        (PAIR, attempt.pair, attempt.pair_count),
        (IP, attempt.ip, attempt.ip_count),
    ):
        limit = limits.limit(scope)
        if limit is None or count < limit:
            continue
        lockout = _lock(session, scope, key, limits, now)
        if lockout is None:
            continue
        done.append(lockout)
        what = f"用户名（从 {attempt.ip}）" if scope == PAIR else "来源地址"
        audit.record(
            session,
            actor=ACTOR,
            action="account.lockout" if scope == PAIR else "login.ip.lockout",
            target=f"account:{attempt.username}" if scope == PAIR else f"ip:{key}",
            reason=f"{what}在 {_minutes(limits.window)} 分钟内登录失败 {count} 次；"
            f"第 {lockout.nth} 次锁定，至 {lockout.until.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"
            "（北京时间）",
            client=attempt.ip,
        )
    return done


def _minutes(d: timedelta) -> int:
    return max(1, round(d.total_seconds() / 60))


def succeeded(session: Session, attempt: Attempt) -> None:
    """The username (everywhere and at this address) starts over; the address's failures
    stay. The caller commits."""
    t = TABLE
    session.execute(delete(t).where(t.c.scope == USER, t.c.key == attempt.username))
    session.execute(delete(t).where(t.c.scope == PAIR, t.c.key == attempt.pair))
    session.execute(
        update(t)
        .where(t.c.scope == IP, t.c.key == attempt.ip, t.c.failures > 0)
        .values(failures=t.c.failures - 1)
    )


def clear(session: Session, *, scope: str, key: str) -> datetime | None:
    """Forget a username's (with its pairs at every address) or an address's count and
    lock (an admin's unlock); returns the latest lock it was under, if any. The caller
    commits and audits."""
    t = TABLE
    keys_of = [(scope, key)]
    if scope == USER:
        prefix = pair_key(key, "")
        pairs = session.scalars(select(t.c.key).where(t.c.scope == PAIR))
        keys_of += [(PAIR, k) for k in pairs if k.startswith(prefix)]
    untils = []
    for sc, k in keys_of:
        row = session.execute(
            delete(t).where(t.c.scope == sc, t.c.key == k).returning(t.c.locked_until)
        ).first()
        if row is not None and row[0] is not None:
            untils.append(cast(datetime, row[0]))
    return max(untils) if untils else None


def locks(session: Session, *, scope: str, now: datetime) -> dict[str, datetime]:
    """The usernames (``USER``: locked at some address, or slowed) or addresses (``IP``)
    held back now, and until when."""
    wanted = (USER, PAIR) if scope == USER else (scope,)
    rows = session.execute(
        select(LoginThrottle.scope, LoginThrottle.key, LoginThrottle.locked_until).where(
            LoginThrottle.scope.in_(wanted), LoginThrottle.locked_until > now
        )
    )
    out: dict[str, datetime] = {}
    for sc, k, until in rows:
        name = k.split("\x1f", 1)[0] if sc == PAIR else k
        held = cast(datetime, until)
        out[name] = max(held, out.get(name, held))
    return out


def prune(session: Session, *, limits: Limits, now: datetime) -> int:
    """Delete rows that no longer matter (no attempt and no lock for longer than both the
    window and the longest lock), in their own transaction. Housekeeping: rows another transaction
    holds are skipped (PostgreSQL), and a failure is logged and left to the next pass."""
    t = TABLE
    quiet = now - max(limits.window, limits.lock_max)
    stale = (
        select(t.c.scope, t.c.key)
        .where(func.coalesce(t.c.locked_until, t.c.last_at) < quiet)
        .with_for_update(skip_locked=True)
    )
    try:
        res = session.execute(delete(t).where(tuple_(t.c.scope, t.c.key).in_(stale)))
        n = cast(CursorResult[Any], res).rowcount
        session.commit()
    except DBAPIError as e:
        session.rollback()
        log.warning("login throttle rows not pruned (the next login will retry): %s", e)
        return 0
    return int(n or 0)
