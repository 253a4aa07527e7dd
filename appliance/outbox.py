"""The box's outbox: every event is committed here before it is ever published.

SQLite in WAL mode with ``synchronous=FULL``: once ``append`` returns, the event
survives a power cut. ``seq`` is assigned inside the same transaction that stores the
sealed bytes, from a counter row, so it is gap-free and never reused even after old
rows are pruned.

States: ``pending`` → ``in_flight`` (handed to the broker connection) → ``acked``
(PUBACK with a success code). A refused or lost publish goes back to ``pending``.
Acknowledged events are kept for ``retention`` so central's ``resend`` can be served.

The same file remembers the commands from central the box has answered (``answered``),
with their ack, for as long as a command is fresh enough to be carried out: a command
delivered again (MQTT QoS 1 may, and a recording of one could be republished) is
answered with the same ack and not carried out twice, even after a restart.

One connection guarded by a lock: the forwarder thread and the UI thread share it.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.envelope import Envelope, seal
from protocol.messages import Body, Command, CommandAck

PENDING = "pending"
IN_FLIGHT = "in_flight"
ACKED = "acked"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    wire BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'acked')),
    acked_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox (state, seq);
CREATE TABLE IF NOT EXISTS answered (
    command TEXT NOT NULL,
    cmd_id TEXT NOT NULL,
    issued_ms INTEGER NOT NULL,
    ack TEXT NOT NULL,
    PRIMARY KEY (command, cmd_id)
);
"""


class OutboxError(Exception):
    """The outbox cannot be used as asked."""


class WrongDeviceError(OutboxError, ValueError):
    """The database belongs to another device (its seq numbers are not ours)."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    seq: int
    event_id: str
    type: str
    wire: bytes
    state: str


def _now_ms() -> int:
    return int(time.time() * 1000)


class Outbox:
    """Durable, ordered, gap-free queue of sealed events for one device."""

    def __init__(
        self,
        path: Path,
        *,
        device: str,
        key: Ed25519PrivateKey,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.path = path
        self.device = device
        self._key = key
        self._clock_ms = clock_ms
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._listeners: list[Callable[[], None]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._tx():
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            row = self._db.execute("SELECT value FROM meta WHERE key='device'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta (key, value) VALUES ('device', ?)", (device,))
                self._db.execute("INSERT OR IGNORE INTO counter (id, last_seq) VALUES (1, 0)")
            elif row[0] != device:
                raise WrongDeviceError(
                    f"outbox {path} belongs to device {row[0]!r}, not {device!r}; "
                    "use a separate data_dir per device"
                )
            # whatever was in flight when we last stopped was never acknowledged
            self._db.execute("UPDATE outbox SET state='pending' WHERE state='in_flight'")

    @property
    def key(self) -> Ed25519PrivateKey:
        """The device key the events are sealed with (the forwarder signs status and
        command acks with it too: central checks all of them against one registered key)."""
        return self._key

    # --- transactions ------------------------------------------------------------

    class _Tx:
        def __init__(self, outbox: Outbox) -> None:
            self.o = outbox

        def __enter__(self) -> sqlite3.Connection:
            self.o._lock.acquire()
            try:
                self.o._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.o._lock.release()
                raise
            return self.o._db

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            try:
                self.o._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                if exc_type is None:
                    self.o._changed.notify_all()
                self.o._lock.release()

    def _tx(self) -> Outbox._Tx:
        return Outbox._Tx(self)

    # --- writing -------------------------------------------------------------------

    def add_listener(self, fn: Callable[[], None]) -> None:
        """``fn()`` is called after each committed append (e.g. to wake the forwarder)."""
        self._listeners.append(fn)

    def append(self, body: Body) -> Envelope:
        """Seal ``body`` with the next seq and commit it; returns the envelope."""
        return self.append_many([body])[0]

    def append_many(self, bodies: Sequence[Body]) -> list[Envelope]:
        """Several events in one transaction (one fsync): all are stored or none."""
        out: list[Envelope] = []
        with self._tx() as db:
            (last,) = db.execute("SELECT last_seq FROM counter WHERE id=1").fetchone()
            for i, body in enumerate(bodies, start=1):
                now = self._clock_ms()
                env = seal(key=self._key, device=self.device, seq=last + i, body=body, ts=now)
                db.execute(
                    "INSERT INTO outbox (seq, event_id, type, created_ms, wire, state)"
                    " VALUES (?, ?, ?, ?, ?, 'pending')",
                    (env.seq, env.event_id, env.type, now, env.to_wire()),
                )
                out.append(env)
            db.execute("UPDATE counter SET last_seq=? WHERE id=1", (last + len(bodies),))
        for fn in list(self._listeners):
            fn()
        return out

    def take_pending(self, limit: int) -> list[StoredEvent]:
        """The oldest pending events, now marked in flight."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT seq, event_id, type, wire FROM outbox WHERE state='pending'"
                " ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
            db.executemany(
                "UPDATE outbox SET state='in_flight', attempts=attempts+1 WHERE seq=?",
                [(r[0],) for r in rows],
            )
        return [StoredEvent(r[0], r[1], r[2], bytes(r[3]), IN_FLIGHT) for r in rows]

    def mark_acked(self, seqs: Iterable[int]) -> None:
        now = self._clock_ms()
        with self._tx() as db:
            db.executemany(
                "UPDATE outbox SET state='acked', acked_ms=? WHERE seq=? AND state!='acked'",
                [(now, s) for s in seqs],
            )

    def mark_pending(self, seqs: Iterable[int]) -> None:
        """Back to the queue: refused by the broker, or the connection went away."""
        with self._tx() as db:
            db.executemany(
                "UPDATE outbox SET state='pending' WHERE seq=? AND state='in_flight'",
                [(s,) for s in seqs],
            )

    def requeue(self, from_seq: int, to_seq: int) -> tuple[int, list[tuple[int, int]]]:
        """Central asked for ``from_seq..to_seq`` again: queue what we still hold.

        Returns how many events were queued and the ranges no longer held (pruned,
        or never assigned).
        """
        if from_seq > to_seq:
            raise OutboxError(f"resend range {from_seq}..{to_seq} is empty (from > to)")
        with self._tx() as db:
            held = [
                r[0]
                for r in db.execute(
                    "SELECT seq FROM outbox WHERE seq BETWEEN ? AND ? ORDER BY seq",
                    (from_seq, to_seq),
                )
            ]
            db.execute(
                "UPDATE outbox SET state='pending' WHERE seq BETWEEN ? AND ? AND state='acked'",
                (from_seq, to_seq),
            )
        missing: list[tuple[int, int]] = []
        expect = from_seq
        for s in [*held, to_seq + 1]:
            if s > expect:
                missing.append((expect, s - 1))
            expect = s + 1
        for fn in list(self._listeners):
            fn()
        return len(held), missing

    def prune(self, *, retention_ms: int) -> int:
        """Drop acknowledged events older than the retention window; returns the count."""
        cutoff = self._clock_ms() - retention_ms
        with self._tx() as db:
            cur = db.execute("DELETE FROM outbox WHERE state='acked' AND acked_ms < ?", (cutoff,))
            return cur.rowcount

    # --- small state kept across restarts ---------------------------------------------

    def state(self, name: str) -> str | None:
        """What ``keep_state`` last kept under ``name`` (the PIN throttle's counts)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (f"state:{name}",))
            found = row.fetchone()
        return None if found is None else str(found[0])

    def keep_state(self, name: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"state:{name}", value)
            )

    # --- commands already answered --------------------------------------------------

    def answered(self, command: str, cmd_id: str) -> CommandAck | None:
        """The ack this box gave ``cmd_id`` of ``command``, if it has answered it."""
        with self._lock:
            row = self._db.execute(
                "SELECT ack FROM answered WHERE command=? AND cmd_id=?", (command, cmd_id)
            ).fetchone()
        return None if row is None else CommandAck.model_validate_json(row[0])

    def remember_answer(self, command: str, cmd: Command, ack: CommandAck, *, keep_ms: int) -> None:
        """Keep ``ack`` for ``cmd``; forget the answers to commands issued more than
        ``keep_ms`` ago (a box refuses those as stale before it looks here)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO answered (command, cmd_id, issued_ms, ack) "
                "VALUES (?, ?, ?, ?)",
                (command, cmd.cmd_id, cmd.issued_at, ack.model_dump_json()),
            )
            db.execute("DELETE FROM answered WHERE issued_ms < ?", (self._clock_ms() - keep_ms,))

    # --- reading -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        out = {PENDING: 0, IN_FLIGHT: 0, ACKED: 0}
        out.update({state: n for state, n in rows})
        return out

    def pending_count(self) -> int:
        """Events not yet acknowledged (pending or in flight)."""
        c = self.counts()
        return c[PENDING] + c[IN_FLIGHT]

    def last_seq(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT last_seq FROM counter WHERE id=1").fetchone()[0])

    def get(self, seq: int) -> StoredEvent | None:
        with self._lock:
            r = self._db.execute(
                "SELECT seq, event_id, type, wire, state FROM outbox WHERE seq=?", (seq,)
            ).fetchone()
        return None if r is None else StoredEvent(r[0], r[1], r[2], bytes(r[3]), r[4])

    def all_events(self) -> list[StoredEvent]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, event_id, type, wire, state FROM outbox ORDER BY seq"
            ).fetchall()
        return [StoredEvent(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in rows]

    def wait_drained(self, timeout: float) -> bool:
        """Block until every event is acknowledged; False if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.pending_count():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
