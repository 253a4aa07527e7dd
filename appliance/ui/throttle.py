"""PIN attempts are throttled per officer id and per desk; a lock is an outbox event.

After ``per_officer`` wrong PINs in a row for one officer id (known or not: the same
answer either way), that id is locked for ``lock_s`` seconds; after ``per_desk``
wrong PINs at the desk (any ids) since the last good sign-in, every PIN sign-in is
locked. Each further lock doubles, up to an hour. A lock is recorded as an
``officer.locked_out`` event, so a leader sees someone guessing PINs; a good PIN
clears its officer's count and the desk's. While locked, PINs are not even checked.

The counts and locks are kept in the outbox's file (``store``) after every change and
read back at start, so switching the box off and on does not give a guesser a fresh
set of tries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from protocol.deadlines import TIMEZONE
from protocol.messages import Body, OfficerLockedOut

MAX_LOCK_S = 3600
STATE = "pin_throttle"
FORGET_MS = 24 * 3600 * 1000  # an id with no failures, unlocked this long, is forgotten
MAX_IDS = 500  # ids kept with their counts; past this the oldest unlocked ones go first


class StateStore(Protocol):
    """Where the counts survive a restart (``appliance.outbox.Outbox``)."""

    def state(self, name: str) -> str | None: ...
    def keep_state(self, name: str, value: str) -> None: ...


class PinLocked(PermissionError):
    """Sign-in is locked for now; ``message`` says until when, in Chinese."""

    def __init__(self, message: str, until_ms: int) -> None:
        super().__init__(message)
        self.message, self.until_ms = message, until_ms


@dataclass
class _Count:
    failures: int = 0
    locks: int = 0
    until_ms: int = 0


@dataclass
class PinThrottle:
    record: Callable[[Body], object]  # the outbox's append
    clock_ms: Callable[[], int]
    per_officer: int = 5
    per_desk: int = 10
    lock_s: int = 60
    store: StateStore | None = None
    _officers: dict[str, _Count] = field(default_factory=dict)
    _desk: _Count = field(default_factory=_Count)

    def __post_init__(self) -> None:
        kept = self.store.state(STATE) if self.store is not None else None
        if kept:
            try:
                data = json.loads(kept)
                self._desk = _Count(**data["desk"])
                self._officers = {k: _Count(**v) for k, v in data["officers"].items()}
            except (ValueError, KeyError, TypeError):  # unreadable: start counting afresh
                self._desk, self._officers = _Count(), {}

    def _keep(self) -> None:
        if self.store is None:
            return
        now = self.clock_ms()
        for oid in [k for k, c in self._officers.items()
                    if not c.failures and c.until_ms < now - FORGET_MS]:  # fmt: skip
            del self._officers[oid]
        unlocked = [k for k, c in self._officers.items() if c.until_ms <= now]  # oldest first
        for oid in unlocked[: max(0, len(self._officers) - MAX_IDS)]:
            del self._officers[oid]
        data = {"desk": asdict(self._desk),
                "officers": {k: asdict(c) for k, c in self._officers.items()}}  # fmt: skip
        self.store.keep_state(STATE, json.dumps(data))

    def check(self, officer_id: str) -> None:
        """Before a PIN is looked at: ``PinLocked`` while the id or the desk is locked."""
        now = self.clock_ms()
        if self._desk.until_ms > now:
            raise PinLocked(
                f"PIN 错误次数过多，本机已暂停 PIN 登录，请于 {_hm(self._desk.until_ms)} 后再试",
                self._desk.until_ms,
            )
        c = self._officers.get(officer_id)
        if c is not None and c.until_ms > now:
            raise PinLocked(
                f"该工号 PIN 错误次数过多，已暂停登录，请于 {_hm(c.until_ms)} 后再试"
                "（或请管理员核实）",
                c.until_ms,
            )

    def failed(self, officer_id: str) -> None:
        c = self._officers.setdefault(officer_id[:64], _Count())
        c.failures += 1
        self._desk.failures += 1
        if c.failures >= self.per_officer:
            self._lock(c, officer_id, "officer")
        if self._desk.failures >= self.per_desk:
            self._lock(self._desk, officer_id, "desk")
        self._keep()

    def succeeded(self, officer_id: str) -> None:
        self._officers.pop(officer_id, None)
        self._desk = _Count(locks=self._desk.locks)
        self._keep()

    def _lock(self, c: _Count, officer_id: str, scope: str) -> None:
        now = self.clock_ms()
        seconds = min(self.lock_s * 2**c.locks, MAX_LOCK_S)
        c.until_ms, failures = now + seconds * 1000, c.failures
        c.locks, c.failures = c.locks + 1, 0
        self.record(
            OfficerLockedOut.model_validate(
                {
                    "officer_id": officer_id[:64] or "?",
                    "scope": scope,
                    "failures": failures,
                    "at": now,
                    "locked_until": c.until_ms,
                }
            )
        )


def _hm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(ZoneInfo(TIMEZONE)).strftime("%H:%M")
