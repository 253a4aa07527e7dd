"""The quarantine stays bounded (#13): a flood of junk costs at most the stated bytes,
old rows go after N days, the counts stay for ever, and a fast flood raises an alert."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.alerts.models import AlertRow
from central.ingest import quarantine
from central.ingest.ingestor import Incoming, Ingestor, Outcome
from central.ingest.models import Quarantine, QuarantineCount
from central.ingest.projection import IdKeys
from central.ingest.quarantine import QuarantinePolicy
from central.ingest.service import stats
from central.settings import Settings
from tests.central.accounts.helpers import add_user

MAX = 512 * 1024


def ingestor(sessions: sessionmaker[Session], settings: Settings, **policy: int) -> Ingestor:
    return Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
        quarantine=QuarantinePolicy(**policy),
    )


def junk(n: int, *, at: datetime | None = None, size: int = 60 * 1024) -> list[Incoming]:
    """Messages a broken (or hostile) box floods central with: not JSON, event-sized."""
    return [
        Incoming("zhifang/v1/minhou/desk-99/event", os.urandom(size), at or datetime.now(UTC))
        for _ in range(n)
    ]


def counted(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        q = select(func.sum(QuarantineCount.messages)).where(QuarantineCount.kind == "quarantined")
        return int(s.scalar(q) or 0)


def test_a_quarantine_flood_stays_bounded(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    add_user(sessions, "admin-1", "admin", org="*")
    ing = ingestor(sessions, settings, max_bytes=MAX, alert_per_minute=100)
    for _ in range(30):  # 600 messages, 35 MiB of junk
        assert ing.process(junk(20)) == [Outcome.QUARANTINED] * 20
    ing.maintain()  # what the ingest loop does every minute
    with sessions() as s:
        kept = quarantine.kept_bytes(s)
        rows = s.scalar(select(func.count()).select_from(Quarantine)) or 0
    assert kept <= MAX, kept  # bounded by the setting, whatever came in
    assert 0 < rows < 20
    assert counted(sessions) == 600  # ... while every message is counted, for ever
    with sessions() as s:
        st = stats(s)
        assert st.quarantined == 600 and st.quarantined_by_reason == {"not_utf8": 600}
        assert st.quarantine_kept == rows
        (alert,) = s.scalars(select(AlertRow).where(AlertRow.kind == "quarantine_flood"))
    assert (
        alert.recipient == "admin-1" and "上限 100" in alert.message and "not_utf8" in alert.message
    )


def test_between_prunes_the_quarantine_stays_within_a_sixteenth_of_its_limit(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    ing = ingestor(sessions, settings, max_bytes=MAX)
    worst = 0
    for _ in range(40):  # no maintain() in between: the batches themselves prune
        ing.process(junk(2))
        with sessions() as s:
            worst = max(worst, quarantine.kept_bytes(s))
    assert worst <= MAX + MAX // 16 + 2 * (60 * 1024 + 2048), worst


def test_old_rows_go_after_keep_days_and_their_counts_stay(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    ing = ingestor(sessions, settings, keep_days=30)
    now = datetime.now(UTC)
    ing.process(junk(3, at=now - timedelta(days=31), size=100))
    ing.process(junk(2, at=now - timedelta(days=29), size=100))
    ing.maintain()
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Quarantine)) == 2
        days = {d for (d,) in s.execute(select(QuarantineCount.day))}
    assert counted(sessions) == 5
    assert len(days) == 1  # counted on the day they were quarantined (here: today)


def test_a_slow_trickle_raises_no_alert(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    add_user(sessions, "admin-1", "admin", org="*")
    ing = ingestor(sessions, settings, alert_per_minute=10)
    ing.process(junk(10, size=100))  # at the limit, not over it
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 0
    ing.process(junk(1, size=100))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 1
    ing.process(junk(5, size=100))  # still flooding: one alert an hour, not one a batch
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertRow)) == 1
