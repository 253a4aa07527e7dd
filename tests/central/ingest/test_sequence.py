"""Seq gaps: wait a grace period, ask the box to resend, ask again with backoff."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from central.ingest.ingestor import Ingestor
from central.ingest.models import DeviceSeq
from central.ingest.sequence import GapChaser
from central.publisher import RecordingPublisher
from protocol import topics
from protocol.messages import Command, ResendRequest
from tests.central.helpers import Box


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make(
    sessions: sessionmaker[Session], ingestor: Ingestor
) -> tuple[Clock, RecordingPublisher, GapChaser]:
    clock = Clock()
    ingestor._clock = clock  # same clock for "gap first seen" and for the chaser
    pub = RecordingPublisher()
    return clock, pub, GapChaser(sessions, pub, grace_s=2.0, backoff_max_s=60.0, clock=clock)


def sent(pub: RecordingPublisher) -> list[tuple[str, ResendRequest]]:
    out = []
    for topic, payload in pub.sent:
        cmd = Command.model_validate_json(payload)
        out.append((topic, ResendRequest.model_validate(cmd.body)))
    return out


def test_a_gap_is_asked_for_after_the_grace_period_and_again_with_backoff(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    clock, pub, chaser = make(sessions, ingestor)
    events = box.reception() + box.reception()  # seq 1..12
    lost = {4, 5, 9}
    ingestor.process([e for n, e in enumerate(events, 1) if n not in lost])

    assert chaser.check() == []  # the missing ones may just be late
    clock.advance(2.5)
    chaser.check()
    topic = topics.command_topic(box.site, box.name, "resend")
    assert sent(pub) == [
        (topic, ResendRequest(from_seq=4, to_seq=5)),
        (topic, ResendRequest(from_seq=9, to_seq=9)),
    ]
    assert json.loads(pub.sent[0][1])["cmd_id"]

    clock.advance(1)
    chaser.check()
    assert len(pub.sent) == 2  # not yet: backoff
    clock.advance(2)
    chaser.check()
    assert len(pub.sent) == 4  # asked again
    clock.advance(3)
    chaser.check()
    assert len(pub.sent) == 4  # the next wait is longer

    ingestor.process([events[3], events[4]])  # 4 and 5 arrive
    with sessions() as s:
        row = s.get(DeviceSeq, box.name)
        assert row is not None and (row.contiguous, row.max_seen) == (8, 12)
        assert row.resend_attempts == 0  # progress resets the backoff
    clock.advance(2.5)
    chaser.check()
    assert sent(pub)[-1] == (topic, ResendRequest(from_seq=9, to_seq=9))

    ingestor.process([events[8]])
    with sessions() as s:
        row = s.get(DeviceSeq, box.name)
        assert row is not None and (row.contiguous, row.max_seen, row.gap_since) == (12, 12, None)
    before = len(pub.sent)
    clock.advance(100)
    assert chaser.check() == []
    assert len(pub.sent) == before


def test_events_in_order_never_ask_for_anything(
    box: Box, ingestor: Ingestor, sessions: sessionmaker[Session]
) -> None:
    clock, pub, chaser = make(sessions, ingestor)
    for e in box.reception():
        ingestor.process([e])
    clock.advance(10)
    assert chaser.check() == []
    assert pub.sent == []
