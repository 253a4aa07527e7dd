"""drand quicknet's round arithmetic, so the console can suggest a round that is still
in the future at commit time and say where its value will be published (pure: no
network — central does not fetch the beacon; whoever reveals reads the value there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

QUICKNET = "drand:quicknet"
QUICKNET_HASH = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
GENESIS = 1692803367  # the chain's genesis_time (Unix seconds); round 1 is published then
PERIOD = 3  # seconds between rounds


def quicknet_round_at(t: datetime) -> int:
    """The latest round published at time ``t``."""
    return max(1, (int(t.timestamp()) - GENESIS) // PERIOD + 1)


def quicknet_time_of(round_: int) -> datetime:
    """When round ``round_`` is published."""
    return datetime.fromtimestamp(GENESIS + (round_ - 1) * PERIOD, UTC)


def suggest(now: datetime, *, ahead: timedelta = timedelta(minutes=10)) -> int:
    """A round published ``ahead`` from now: committed before, revealed after."""
    return quicknet_round_at(now + ahead)


def value_url(round_: int) -> str:
    """Where the round's value (its ``randomness`` field) is published."""
    return f"https://api.drand.sh/{QUICKNET_HASH}/public/{round_}"
