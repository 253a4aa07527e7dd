"""The quarantine kept bounded: counts for ever, payloads for a while, alerts on a flood.

Every quarantined (or ignored) message adds to ``quarantine_count`` (day, kind, reason),
in the same transaction as its row. ``prune`` deletes rows older than ``keep_days`` and,
oldest first, whatever exceeds ``max_bytes`` (payload + detail + topic), so a flood of
junk costs at most ``max_bytes`` however long it lasts. ``flood_check`` alerts when more
than ``alert_per_minute`` messages were quarantined within a minute (``quarantine_rate``
counts them per minute, over every ingest worker, whatever pruning removed).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, func, select
from sqlalchemy.orm import Session

from central.alerts.service import raise_quarantine_flood
from central.db import upsert_insert
from central.settings import Settings

from . import at_rest
from .models import IgnoredStatusSeen, Quarantine, QuarantineCount, QuarantineRate

log = logging.getLogger(__name__)

QUARANTINED = "quarantined"
IGNORED = "ignored"
KEEP_BYTES = 64 * 1024  # a whole event (protocol.envelope.MAX_EVENT_BYTES): replayable
KEEP_OVERSIZE = 4 * 1024  # of a message too large to be ours: enough to see what it was


@dataclass(frozen=True, slots=True)
class QuarantinePolicy:
    keep_days: int = 30
    max_bytes: int = 256 * 1024 * 1024
    alert_per_minute: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> QuarantinePolicy:
        return cls(
            keep_days=settings.quarantine_keep_days,
            max_bytes=settings.quarantine_max_mb * 1024 * 1024,
            alert_per_minute=settings.quarantine_alert_per_minute,
        )


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; a detail quoting hostile input may contain one;
    # anything shaped like an ID number is masked
    return at_rest.scrub(value.replace("\x00", "\\x00"))[:limit]


def row(
    *,
    payload_key: bytes,
    topic: str,
    payload: bytes,
    received_at: datetime,
    reason: str,
    detail: str,
    device: str | None,
) -> Quarantine:
    """A quarantine row: the payload sealed (``at_rest``), text scrubbed and bounded."""
    keep = KEEP_OVERSIZE if reason == "too_large" else KEEP_BYTES
    digest = hashlib.sha256(payload).hexdigest()
    return Quarantine(
        received_at=received_at,
        topic=_text(topic, 512),
        device=_text(device, 63) if device else None,
        payload=at_rest.seal(
            payload_key, payload[:keep], context=at_rest.quarantine_context(digest)
        ),
        payload_len=len(payload),
        payload_sha256=digest,
        reason=_text(reason, 64),
        detail=_text(detail, 2000),
    )


def add_counts(
    session: Session,
    *,
    now: datetime,
    kind: str,
    messages: Mapping[str, int],
    sizes: Mapping[str, int],
) -> None:
    """Add to the day's counts, one atomic upsert per reason (in name order, so two
    workers counting the same reasons cannot deadlock)."""
    day = now.strftime("%Y-%m-%d")
    insert = upsert_insert(session)
    if kind == QUARANTINED and messages:
        rate = insert(QuarantineRate).values(minute=_minute(now), messages=sum(messages.values()))
        session.execute(
            rate.on_conflict_do_update(
                index_elements=["minute"],
                set_={"messages": QuarantineRate.messages + rate.excluded.messages},
            )
        )
    for reason in sorted(messages):
        stmt = insert(QuarantineCount).values(
            day=day, kind=kind, reason=reason[:64], messages=messages[reason],
            bytes=sizes.get(reason, 0),
        )  # fmt: skip
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "kind", "reason"],
            set_={
                "messages": QuarantineCount.messages + stmt.excluded.messages,
                "bytes": QuarantineCount.bytes + stmt.excluded.bytes,
            },
        )
        session.execute(stmt)


def first_sighting(session: Session, *, now: datetime, payload: bytes) -> bool:
    """True the first time today any worker sees these bytes (an ignored status: every
    worker receives it, and it is counted once). Atomic: a second worker's insert waits
    for the first's and then does nothing."""
    stmt = upsert_insert(session)(IgnoredStatusSeen).values(
        day=now.strftime("%Y-%m-%d"), sha256=hashlib.sha256(payload).hexdigest()
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=["day", "sha256"])
    # RETURNING, not rowcount: psycopg's rowcount is not 0 when the row was not inserted
    return session.execute(stmt.returning(IgnoredStatusSeen.day)).first() is not None


def _minute(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _row_size() -> object:
    return (
        func.length(Quarantine.payload)
        + func.length(Quarantine.detail)
        + func.length(Quarantine.topic)
    )


def kept_bytes(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(_row_size()), 0))) or 0)


def prune(session: Session, *, now: datetime, policy: QuarantinePolicy) -> int:
    """Delete rows past ``keep_days``, then the oldest beyond ``max_bytes``. Returns how
    many rows went (their counts stay in ``quarantine_count``)."""
    gone = _deleted(
        session.execute(
            delete(Quarantine).where(
                Quarantine.received_at < now - timedelta(days=policy.keep_days)
            )
        )
    )
    # newest first, running total of sizes: everything from the first row that no longer
    # fits, and older, goes
    running = (
        select(
            Quarantine.id.label("id"),
            func.sum(_row_size()).over(order_by=Quarantine.id.desc()).label("total"),
        )
    ).subquery()
    cut = session.scalar(select(func.max(running.c.id)).where(running.c.total > policy.max_bytes))
    if cut is not None:
        gone += _deleted(session.execute(delete(Quarantine).where(Quarantine.id <= cut)))
    session.execute(
        delete(QuarantineRate).where(QuarantineRate.minute < _minute(now - timedelta(days=1)))
    )
    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    session.execute(delete(IgnoredStatusSeen).where(IgnoredStatusSeen.day < yesterday))
    if gone:
        log.info("quarantine: pruned %d row(s) (counts kept)", gone)
    return gone


def _deleted(result: Result[Any]) -> int:
    return int(cast(CursorResult[Any], result).rowcount or 0)


def flood_check(session: Session, *, now: datetime, policy: QuarantinePolicy) -> int | None:
    """Alert when more than ``alert_per_minute`` messages were quarantined within this
    minute or the one before (at most one alert per recipient and hour); returns that
    number when it was over the limit, else None."""
    buckets = [_minute(now), _minute(now - timedelta(minutes=1))]
    n = int(
        session.scalar(
            select(func.max(QuarantineRate.messages)).where(QuarantineRate.minute.in_(buckets))
        )
        or 0
    )
    if n <= policy.alert_per_minute:
        return None

    since = now - timedelta(minutes=2)  # what the kept rows say about the flood
    by_reason: dict[str, int] = dict(
        session.execute(
            select(Quarantine.reason, func.count())
            .where(Quarantine.received_at >= since)
            .group_by(Quarantine.reason)
        ).all()
    )
    if raise_quarantine_flood(
        session, count=n, limit=policy.alert_per_minute, by_reason=by_reason, now=now
    ):
        log.error(
            "quarantine flood: %d messages in a minute (limit %d): %s",
            n, policy.alert_per_minute, by_reason,
        )  # fmt: skip
    return n
