"""Per-token rate limit of the organ API: requests per minute and per day.

Fixed windows counted in ``organ_rate_count``, so every uvicorn worker and every central
process on the database counts together. Each window is one atomic
``INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 WHERE hits < limit RETURNING hits``
(SQLite ≥ 3.35 and PostgreSQL): no row back means the window is full. Both windows are
taken in one transaction, minute first (the same lock order in every request, so no
deadlock on PostgreSQL); the caller commits when admitted and rolls back when refused,
so a refused request counts in no window.

Windows are minutes and calendar days in China Standard Time.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from central.db import upsert_insert
from central.settings import Settings

from .models import OrganRow, OrganToken, RateCount

log = logging.getLogger(__name__)
DAY_TZ = ZoneInfo("Asia/Shanghai")
# expired windows are deleted this long after their end: a process whose clock lags a
# little may still count into a window another process already considers over
PRUNE_GRACE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Limits:
    per_minute: int
    per_day: int


@dataclass(frozen=True, slots=True)
class Window:
    bucket: str
    ends_at: datetime
    limit: int
    per: str  # 分钟 / 天


@dataclass(frozen=True, slots=True)
class Refusal:
    window: Window
    retry_after_s: int

    @property
    def message(self) -> str:
        if self.window.per == "天":
            what = f"今日调用已达上限（每天 {self.window.limit} 次）"
        else:
            what = f"调用过于频繁（每分钟最多 {self.window.limit} 次）"
        return f"{what}，请 {self.retry_after_s} 秒后再试"


@dataclass(frozen=True, slots=True)
class Outcome:
    refusal: Refusal | None
    opened_minute: bool  # the token's first request this minute: time to prune


def limits_for(settings: Settings, organ: OrganRow, token: OrganToken) -> Limits:
    """The token's own limit, else its organ's, else the settings' default."""

    def pick(own: int | None, organ_default: int | None, default: int) -> int:
        return own if own is not None else organ_default if organ_default is not None else default

    return Limits(
        per_minute=pick(
            token.rate_per_minute, organ.rate_per_minute, settings.sharing_rate_per_minute
        ),
        per_day=pick(token.rate_per_day, organ.rate_per_day, settings.sharing_rate_per_day),
    )


def windows(limits: Limits, now: datetime) -> tuple[Window, Window]:
    """The minute and the day ``now`` falls in (pure)."""
    minute = now.astimezone(DAY_TZ).replace(second=0, microsecond=0)
    day = minute.date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=DAY_TZ) + timedelta(days=1)
    return (
        Window(
            f"m:{minute.strftime('%Y-%m-%dT%H:%M')}",
            minute + timedelta(minutes=1),
            limits.per_minute,
            "分钟",
        ),
        Window(f"d:{day.isoformat()}", midnight, limits.per_day, "天"),
    )


def _hit(session: Session, insert: Any, token_id: str, w: Window) -> int | None:
    """Count one request in ``w`` unless it is full; the new count, or None if full."""
    t = RateCount.__table__
    stmt = (
        insert(t)
        .values(token_id=token_id, bucket=w.bucket, hits=1, expires_at=w.ends_at)
        .on_conflict_do_update(
            index_elements=[t.c.token_id, t.c.bucket],
            set_={"hits": t.c.hits + 1},
            where=t.c.hits < w.limit,
        )
        .returning(t.c.hits)
    )
    hits: int | None = session.execute(stmt).scalar_one_or_none()
    return hits


def admit(session: Session, token_id: str, limits: Limits, *, now: datetime) -> Outcome:
    """Count this request in the token's minute and day; the caller commits if admitted,
    rolls back if refused. Start it in a fresh transaction: on SQLite a transaction that
    begins with this write waits for the lock, one that read first may fail at once."""
    insert = upsert_insert(session)
    opened = False
    for w in windows(limits, now):
        hits = _hit(session, insert, token_id, w)
        if hits is None:
            wait = max(1, math.ceil((w.ends_at - now).total_seconds()))
            return Outcome(Refusal(w, wait), opened_minute=False)
        if w.per == "分钟":
            opened = hits == 1
    return Outcome(None, opened_minute=opened)


def prune(session: Session, *, now: datetime) -> int:
    """Delete windows that ended over ``PRUNE_GRACE`` ago, in their own transaction.

    Housekeeping: a failure (e.g. a deadlock with another pruner on PostgreSQL) is
    logged and left to the next pass rather than failing the request."""
    try:
        stale = delete(RateCount).where(RateCount.expires_at < now - PRUNE_GRACE)
        n = cast(CursorResult[Any], session.execute(stale)).rowcount
        session.commit()
    except DBAPIError as e:
        session.rollback()
        log.warning("rate counters not pruned (next minute will retry): %s", e)
        return 0
    return int(n or 0)
