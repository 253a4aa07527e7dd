"""Per-device ``seq`` bookkeeping: the gap-free watermark, gaps, and resend requests.

A box numbers its events 1, 2, 3, ... without gaps. Central keeps ``contiguous`` (every
seq up to it is stored) and ``max_seen``. When ``max_seen > contiguous`` something is
missing: after a grace period (it may just be late) central asks the box to resend the
missing ranges, and asks again with exponential backoff while they stay missing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.db import utcnow
from central.devices.models import Device
from central.publisher import CommandPublisher
from protocol import topics
from protocol.ids import uuid7
from protocol.messages import Command, ResendRequest

from .models import DeviceSeq, Event

log = logging.getLogger(__name__)

MAX_RANGES_PER_REQUEST = 10
_SCAN = 1000


def lock_rows(session: Session, devices: Iterable[str]) -> dict[str, DeviceSeq]:
    """The devices' seq rows, locked for this transaction (PostgreSQL: FOR UPDATE, in
    name order so two workers cannot deadlock; SQLite: the write lock is already ours)."""
    names = sorted(set(devices))
    if not names:
        return {}
    rows = {
        r.device: r
        for r in session.scalars(
            select(DeviceSeq)
            .where(DeviceSeq.device.in_(names))
            .order_by(DeviceSeq.device)
            .with_for_update()
        )
    }
    for name in names:
        if name not in rows:
            rows[name] = DeviceSeq(device=name, contiguous=0, max_seen=0, resend_attempts=0)
            session.add(rows[name])
    session.flush()
    return rows


def advance(session: Session, row: DeviceSeq, new_seqs: Iterable[int], *, now: datetime) -> None:
    """Move the watermark after ``new_seqs`` were inserted (in this transaction)."""
    seqs = sorted(new_seqs)
    if not seqs:
        return
    row.max_seen = max(row.max_seen, seqs[-1])
    c = row.contiguous
    for q in seqs:  # the usual case: the batch continues the sequence
        if q == c + 1:
            c = q
        elif q > c + 1:
            break
    while c < row.max_seen:  # out of order: look at what is stored beyond the watermark
        stored = session.scalars(
            select(Event.seq)
            .where(Event.device == row.device, Event.seq > c)
            .order_by(Event.seq)
            .limit(_SCAN)
        ).all()
        progressed = False
        for q in stored:
            if q != c + 1:
                break
            c, progressed = q, True
        if not progressed or len(stored) < _SCAN:
            break
    if c != row.contiguous:
        row.resend_attempts = 0
        row.resend_requested_at = None
    row.contiguous = c
    if c < row.max_seen:
        row.gap_since = row.gap_since or now
    else:
        row.gap_since = None


def missing_ranges(
    session: Session, row: DeviceSeq, *, limit: int = MAX_RANGES_PER_REQUEST
) -> list[tuple[int, int]]:
    """The missing seq ranges between the watermark and ``max_seen`` (inclusive)."""
    stored = session.scalars(
        select(Event.seq)
        .where(Event.device == row.device, Event.seq > row.contiguous, Event.seq <= row.max_seen)
        .order_by(Event.seq)
    )
    out: list[tuple[int, int]] = []
    expect = row.contiguous + 1
    for q in stored:
        if q > expect:
            out.append((expect, q - 1))
            if len(out) >= limit:
                return out
        expect = q + 1
    if expect <= row.max_seen:
        out.append((expect, row.max_seen))
    return out[:limit]


def resend_command(req: ResendRequest, *, now: datetime) -> bytes:
    cmd = Command(
        cmd_id=str(uuid7()),
        issued_at=int(now.timestamp() * 1000),
        body=req.model_dump(mode="json"),
    )
    return json.dumps(cmd.model_dump(mode="json"), separators=(",", ":")).encode()


class GapChaser:
    """Asks boxes to resend what is missing. Call ``check()`` every second or so."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        publisher: CommandPublisher,
        *,
        grace_s: float,
        backoff_max_s: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._grace = timedelta(seconds=grace_s)
        self._backoff_max = timedelta(seconds=backoff_max_s)
        self._clock = clock

    def _due(self, row: DeviceSeq, now: datetime) -> bool:
        if row.gap_since is None or now - row.gap_since < self._grace:
            return False
        if row.resend_requested_at is None:
            return True
        # grace, 2 x grace, 4 x grace, ... capped
        wait = max(self._grace, timedelta(seconds=1)) * (2 ** min(row.resend_attempts - 1, 16))
        return now - row.resend_requested_at >= min(wait, self._backoff_max)

    def check(self) -> list[tuple[str, ResendRequest]]:
        """Publish the resend requests that are due; returns (topic, request) sent."""
        now = self._clock()
        sent: list[tuple[str, ResendRequest]] = []
        with self._sessions.begin() as s:
            rows = s.execute(
                select(DeviceSeq, Device.site)
                .join(Device, Device.id == DeviceSeq.device)
                .where(DeviceSeq.max_seen > DeviceSeq.contiguous, Device.revoked_at.is_(None))
            ).all()
            for row, site in rows:
                if not self._due(row, now):
                    continue
                topic = topics.command_topic(site, row.device, ResendRequest.NAME)
                for lo, hi in missing_ranges(s, row):
                    req = ResendRequest(from_seq=lo, to_seq=hi)
                    self._publisher.publish(topic, resend_command(req, now=now))
                    sent.append((topic, req))
                    log.info("asked %s to resend seq %d..%d", row.device, lo, hi)
                row.resend_requested_at = now
                row.resend_attempts += 1
        return sent
