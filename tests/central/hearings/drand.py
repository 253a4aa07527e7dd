"""A real drand quicknet round, and a clock the app's hearing rules read.

Round 657413 was published on 2023-09-15 at 11:00:03 UTC; its signature and randomness
are what ``https://api.drand.sh/<quicknet hash>/public/657413`` serves (signature,
randomness = SHA-256 of the signature). A test commits to it with the clock set
before that time and reveals it after.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from central.hearings import beacon

ROUND = 657413
SIGNATURE = (
    "b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
    "41076862b98fad56e91a6b85b89cd97b"
)
RANDOMNESS = "fc1873a13f3545aeade8401532ef5519920652eee6b0d2b19ca12643b87b3587"
OUT = beacon.quicknet_time_of(ROUND)  # 2023-09-15 11:00:03 UTC
BEFORE = OUT - timedelta(minutes=10)
AFTER = OUT + timedelta(minutes=1)
BEACON = {"source": beacon.QUICKNET, "round": ROUND}


class Clock:
    """What ``app.state.hearings_clock`` returns; move it with ``at``."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t

    def at(self, t: datetime) -> Clock:
        self.t = t
        return self


def set_clock(app: Any, t: datetime) -> Clock:
    """Give ``app`` a clock for the hearing rules, set to ``t``."""
    clock = Clock(t)
    app.state.hearings_clock = clock
    return clock


def flip(hex_str: str, i: int = 10) -> str:
    """``hex_str`` with one hex digit changed: a forged signature."""
    c = "0" if hex_str[i] != "0" else "1"
    return hex_str[:i] + c + hex_str[i + 1 :]
