"""The box's cache of recent visitors' dossiers, for when central is unreachable.

One SQLite file. A dossier is stored under central's person id; the ID number and
phone that found it are kept only as keyed hashes (HMAC-SHA256 with a random key
made on first use and kept beside the database), so the lookup table alone does not
list who came. The cache is bounded: at most ``max_entries`` people, none older than
``max_age_days``; the least recently used go first.

Signed biometric consent records (``consents``) are kept here too, append-only, until
the identity module's store takes them over.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from .central_client import Timeline

__all__ = ["CachedDossier", "DossierCache"]

DAY_MS = 24 * 3600 * 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dossier (
    person_id TEXT PRIMARY KEY,
    timeline_json TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    used_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lookup_key (
    key_mac TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES dossier(person_id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS consent (
    consent_id TEXT PRIMARY KEY,
    record_json TEXT NOT NULL,
    stored_at INTEGER NOT NULL
);
"""


def _now_ms() -> int:
    return int(time.time() * 1000)


class CachedDossier:
    def __init__(self, timeline: Timeline, fetched_at_ms: int) -> None:
        self.timeline, self.fetched_at_ms = timeline, fetched_at_ms


class DossierCache:
    def __init__(
        self,
        path: Path,
        *,
        max_entries: int = 500,
        max_age_days: int = 30,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self.path, self.max_entries, self.max_age_days = path, max_entries, max_age_days
        self._clock_ms = clock_ms
        self._lock = threading.Lock()
        self._key = self._load_key(path.with_suffix(".key"))
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    @staticmethod
    def _load_key(path: Path) -> bytes:
        if path.exists():
            key = path.read_bytes()
            if len(key) == 32:
                return key
            raise ValueError(f"dossier cache key {path} is damaged (not 32 bytes)")
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key

    def _mac(self, kind: str, value: str) -> str:
        msg = f"{kind}:{value.strip().upper()}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def put(
        self, timeline: Timeline, *, id_number: str | None = None, phone: str | None = None
    ) -> None:
        """Store (or refresh) a dossier fetched from central, with the keys that found it."""
        now = self._clock_ms()
        pid = timeline.person.id
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO dossier VALUES (?, ?, ?, ?) ON CONFLICT(person_id) DO UPDATE"
                    " SET timeline_json=excluded.timeline_json,"
                    " fetched_at=excluded.fetched_at, used_at=excluded.used_at",
                    (pid, timeline.model_dump_json(), now, now),
                )
                for kind, value in (("id", id_number), ("phone", phone)):
                    if value:
                        self._db.execute(
                            "INSERT OR REPLACE INTO lookup_key VALUES (?, ?)",
                            (self._mac(kind, value), pid),
                        )
                self._prune(now)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _prune(self, now: int) -> None:
        self._db.execute(
            "DELETE FROM dossier WHERE used_at < ?", (now - self.max_age_days * DAY_MS,)
        )
        self._db.execute(
            "DELETE FROM dossier WHERE person_id NOT IN"
            " (SELECT person_id FROM dossier ORDER BY used_at DESC LIMIT ?)",
            (self.max_entries,),
        )

    def find(self, *, id_number: str | None = None, phone: str | None = None) -> str | None:
        """The cached person id for an ID number or phone, if any."""
        with self._lock:
            for kind, value in (("id", id_number), ("phone", phone)):
                if not value:
                    continue
                row = self._db.execute(
                    "SELECT person_id FROM lookup_key WHERE key_mac = ?", (self._mac(kind, value),)
                ).fetchone()
                if row:
                    return str(row[0])
        return None

    def get(self, person_id: str) -> CachedDossier | None:
        """The cached dossier (marks it used); ``None`` if absent, expired or unreadable."""
        now = self._clock_ms()
        with self._lock:
            row = self._db.execute(
                "SELECT timeline_json, fetched_at, used_at FROM dossier WHERE person_id = ?",
                (person_id,),
            ).fetchone()
            if row is None or row[2] < now - self.max_age_days * DAY_MS:
                return None
            try:
                timeline = Timeline.model_validate_json(row[0])
            except ValidationError:
                # written by an older box version: drop it rather than show garbage
                self._db.execute("DELETE FROM dossier WHERE person_id = ?", (person_id,))
                return None
            self._db.execute("UPDATE dossier SET used_at = ? WHERE person_id = ?", (now, person_id))
        return CachedDossier(timeline, int(row[1]))

    def forget(self, person_id: str) -> None:
        """Delete a person's dossier and lookup keys (deletion on request)."""
        with self._lock:
            self._db.execute("DELETE FROM dossier WHERE person_id = ?", (person_id,))

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM dossier").fetchone()[0])

    def put_consent(self, consent_id: str, record_json: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO consent VALUES (?, ?, ?)", (consent_id, record_json, self._clock_ms())
            )

    def consents(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT record_json FROM consent ORDER BY stored_at").fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
