"""Biometric templates on the box: AES-GCM encrypted at rest, consent-gated, deletable.

Only embeddings are stored (never frames or audio). Each row is sealed with AES-256-GCM
under the site's template key; the associated data binds the ciphertext to its person,
modality and consent, so a row copied onto another person fails to open. Enrolment needs
a live (not withdrawn) consent covering the modality; the 1:N gallery holds only people
whose consent covers ``identify_1n``. ``delete_person`` removes every template and
consent row of a person and returns a ``DeletionNotice`` to send to central and the
other desks, which apply it with ``apply_deletion`` (idempotent). ``expire`` does the
same for everyone unused longer than the retention limit.

What this desk did itself (a consent given here, a deletion made here) is also put on
a small ``unreported`` list in the same transaction, so the event central must get is
never lost between the store and the outbox: ``appliance.identity.desk`` drains it into
the outbox (``unreported`` / ``mark_reported``). Copies from other desks
(``import_person``) and deletions relayed by central (``apply_deletion``) are not
reported again.

Errors::

    TemplateError
    ├── ConsentRequired(TemplateError, PermissionError)
    └── TemplateCorrupt(TemplateError, ValueError)
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict, Field

from appliance.identity.consent import ConsentRecord
from appliance.identity.matching import Gallery

__all__ = [
    "ConsentRequired",
    "DeletionNotice",
    "PersonTransfer",
    "TemplateCorrupt",
    "TemplateError",
    "TemplateStore",
]

Modality = Literal["face", "voice"]
DeletionKind = Literal["request", "consent_withdrawn", "retention", "other"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS consent (
    consent_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, record_json TEXT NOT NULL,
    withdrawn_at INTEGER);
CREATE INDEX IF NOT EXISTS consent_person ON consent(person_id);
CREATE TABLE IF NOT EXISTS template (
    person_id TEXT NOT NULL, modality TEXT NOT NULL, consent_id TEXT NOT NULL,
    nonce BLOB NOT NULL, ciphertext BLOB NOT NULL, created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, modality));
CREATE TABLE IF NOT EXISTS deletion (
    person_id TEXT NOT NULL, deleted_at INTEGER NOT NULL, officer_id TEXT NOT NULL,
    reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unreported (
    kind TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
"""


P = ParamSpec("P")
R = TypeVar("R")


def _locked(fn: Callable[P, R]) -> Callable[P, R]:
    """One thread at a time: the UI and the forwarder (central's commands) share a store."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return fn(*args, **kwargs)

    return wrapper


class TemplateError(Exception):
    """Root of template-store errors."""


class ConsentRequired(TemplateError, PermissionError):
    """No live consent covers what was asked (enrolment or 1:N)."""


class TemplateCorrupt(TemplateError, ValueError):
    """A stored template does not decrypt (wrong key, tampered or moved row)."""


@dataclass(frozen=True)
class DeletionNotice:
    person_id: str
    deleted_at: int
    officer_id: str
    reason: str


class SealedTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    modality: Modality = Field(description="face or voice")
    consent_id: str = Field(description="consent the template rests on")
    nonce: str = Field(pattern=r"^[0-9a-f]{24}$", description="AES-GCM nonce, hex")
    ciphertext: str = Field(pattern=r"^[0-9a-f]+$", description="AES-GCM ciphertext, hex")


class PersonTransfer(BaseModel):
    """A person's consents and templates for another desk of the same site. The
    templates stay sealed under the site's template key the whole way."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    person_id: str = Field(min_length=1, max_length=64, description="dossier / person id")
    consents: list[ConsentRecord] = Field(description="signed consent records")
    templates: list[SealedTemplate] = Field(description="sealed templates")


class TemplateStore:
    def __init__(self, path: Path | str, *, key: bytes, clock: Callable[[], int]) -> None:
        if len(key) != 32:
            raise ValueError("template key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # consent ------------------------------------------------------------------------
    @_locked
    def add_consent(self, rec: ConsentRecord, *, reception_id: str | None = None) -> None:
        """Store consent given at this desk (and queue its report to central)."""
        if not rec.signature:
            raise ConsentRequired("同意记录未签名 (consent record is not signed)")
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "INSERT INTO consent(consent_id, person_id, record_json) VALUES (?, ?, ?)",
                (rec.consent_id, rec.person_id, rec.model_dump_json()),
            )
            self._queue_report("consent", rec.consent_id, {"reception_id": reception_id})

    # reports to central ---------------------------------------------------------------
    def _queue_report(self, kind: str, key: str, payload: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO unreported VALUES (?, ?, ?)", (kind, key, json.dumps(payload))
        )

    @_locked
    def unreported(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(kind, key, payload) still to be put in the outbox, oldest first."""
        rows = self._db.execute("SELECT kind, key, payload FROM unreported ORDER BY rowid")
        return [(k, key, json.loads(p)) for k, key, p in rows.fetchall()]

    @_locked
    def mark_reported(self, kind: str, key: str) -> None:
        self._db.execute("DELETE FROM unreported WHERE kind=? AND key=?", (kind, key))

    @_locked
    def consent(self, consent_id: str) -> ConsentRecord | None:
        row = self._db.execute(
            "SELECT record_json FROM consent WHERE consent_id=?", (consent_id,)
        ).fetchone()
        return None if row is None else ConsentRecord.model_validate_json(row[0])

    @_locked
    def get_meta(self, k: str) -> str | None:
        row = self._db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        return None if row is None else str(row[0])

    @_locked
    def set_meta(self, k: str, v: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, v))

    @_locked
    def deleted_at(self, person_id: str) -> int | None:
        """When the person was last deleted here (locally or relayed), if ever."""
        row = self._db.execute(
            "SELECT max(deleted_at) FROM deletion WHERE person_id=?", (person_id,)
        ).fetchone()
        return None if row[0] is None else int(row[0])

    @_locked
    def live_consent(self, person_id: str, scope: str) -> ConsentRecord | None:
        rows = self._db.execute(
            "SELECT record_json FROM consent WHERE person_id = ? AND withdrawn_at IS NULL "
            "ORDER BY rowid DESC",
            (person_id,),
        ).fetchall()
        for (raw,) in rows:
            rec = ConsentRecord.model_validate_json(raw)
            if scope in rec.scopes:
                return rec
        return None

    # templates ----------------------------------------------------------------------
    @staticmethod
    def _aad(person_id: str, modality: str, consent_id: str) -> bytes:
        return json.dumps(["zhifang-template-v1", person_id, modality, consent_id]).encode()

    @_locked
    def require_consent(self, person_id: str, modality: Modality) -> ConsentRecord:
        rec = self.live_consent(person_id, modality)
        if rec is None:
            raise ConsentRequired(
                f"未取得 {person_id} 对{'人脸' if modality == 'face' else '声纹'}采集的单独同意，"
                "不能登记 (no consent for this modality)"
            )
        return rec

    @_locked
    def enrol(self, person_id: str, modality: Modality, embedding: np.ndarray) -> str:
        """Store (or replace) the template; returns the consent id it rests on."""
        rec = self.require_consent(person_id, modality)
        vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if vec.size == 0 or not np.all(np.isfinite(vec)):
            raise ValueError("embedding is empty or not finite")
        nonce = os.urandom(12)
        ct = self._aead.encrypt(
            nonce, vec.tobytes(), self._aad(person_id, modality, rec.consent_id)
        )
        self._db.execute(
            "INSERT OR REPLACE INTO template VALUES (?, ?, ?, ?, ?, ?, ?)",
            (person_id, modality, rec.consent_id, nonce, ct, self._clock(), self._clock()),
        )
        return rec.consent_id

    def _open(
        self, person_id: str, modality: str, consent_id: str, nonce: bytes, ct: bytes
    ) -> np.ndarray:
        try:
            raw = self._aead.decrypt(nonce, ct, self._aad(person_id, modality, consent_id))
        except InvalidTag:
            raise TemplateCorrupt(f"template {person_id}/{modality} does not decrypt") from None
        return np.frombuffer(raw, dtype=np.float32).copy()

    @_locked
    def seal(self, data: bytes, aad: bytes) -> tuple[bytes, bytes]:
        """Seal ``data`` under the site's template key (for a transfer in transit)."""
        nonce = os.urandom(12)
        return nonce, self._aead.encrypt(nonce, data, aad)

    @_locked
    def unseal(self, nonce: bytes, ct: bytes, aad: bytes) -> bytes:
        try:
            return self._aead.decrypt(nonce, ct, aad)
        except (InvalidTag, ValueError):
            raise TemplateCorrupt("sealed data does not open under this site's key") from None

    @_locked
    def get(self, person_id: str, modality: Modality) -> np.ndarray | None:
        row = self._db.execute(
            "SELECT consent_id, nonce, ciphertext FROM template WHERE person_id=? AND modality=?",
            (person_id, modality),
        ).fetchone()
        return None if row is None else self._open(person_id, modality, *row)

    @_locked
    def gallery(self, modality: Modality) -> Gallery:
        """1:N gallery: only people whose live consent covers ``identify_1n``."""
        rows = self._db.execute(
            "SELECT person_id, consent_id, nonce, ciphertext FROM template WHERE modality=? "
            "ORDER BY person_id",
            (modality,),
        ).fetchall()
        ids: list[str] = []
        vecs: list[np.ndarray] = []
        for pid, cid, nonce, ct in rows:
            if self.live_consent(pid, "identify_1n") is None:
                continue
            ids.append(pid)
            vecs.append(self._open(pid, modality, cid, nonce, ct))
        dim = vecs[0].size if vecs else 0
        return Gallery(ids, np.stack(vecs) if vecs else np.zeros((0, dim), np.float32))

    @_locked
    def with_face(self, prefix: str) -> list[str]:
        """Person ids starting with ``prefix`` that have a face template (the desk's
        officers: ``officer:`` + id)."""
        rows = self._db.execute(
            "SELECT DISTINCT person_id FROM template WHERE modality='face' AND person_id LIKE ?",
            (prefix.replace("%", "").replace("_", "\\_") + "%",),
        ).fetchall()
        return [r[0] for r in rows if r[0].startswith(prefix)]

    # sharing between desks of a site -----------------------------------------------
    @_locked
    def export_person(self, person_id: str) -> PersonTransfer:
        consents = [
            ConsentRecord.model_validate_json(raw)
            for (raw,) in self._db.execute(
                "SELECT record_json FROM consent WHERE person_id=? AND withdrawn_at IS NULL",
                (person_id,),
            )
        ]
        rows = self._db.execute(
            "SELECT modality, consent_id, nonce, ciphertext FROM template WHERE person_id=?",
            (person_id,),
        ).fetchall()
        return PersonTransfer(
            person_id=person_id,
            consents=consents,
            templates=[
                SealedTemplate(modality=m, consent_id=c, nonce=n.hex(), ciphertext=ct.hex())
                for m, c, n, ct in rows
            ],
        )

    @_locked
    def import_person(self, t: PersonTransfer) -> None:
        """Take a transfer from another desk: all or nothing, and never a person deleted
        here after the consent was given (a stale transfer must not undo a deletion)."""
        deleted = self._db.execute(
            "SELECT max(deleted_at) FROM deletion WHERE person_id=?", (t.person_id,)
        ).fetchone()[0]
        by_id = {c.consent_id: c for c in t.consents}
        for c in t.consents:
            if c.person_id != t.person_id or not c.signature:
                raise ConsentRequired(f"consent {c.consent_id} is not {t.person_id}'s or unsigned")
            if deleted is not None and c.given_at <= deleted:
                raise ConsentRequired(f"{t.person_id} was deleted here after that consent")
        for st in t.templates:
            sc = by_id.get(st.consent_id)
            if sc is None or st.modality not in sc.scopes:
                raise ConsentRequired(f"template {st.modality} has no consent in the transfer")
            self._open(
                t.person_id,
                st.modality,
                st.consent_id,
                bytes.fromhex(st.nonce),
                bytes.fromhex(st.ciphertext),
            )  # raises TemplateCorrupt
        with self._db:
            self._db.execute("BEGIN")
            for c in t.consents:
                self._db.execute(
                    "INSERT OR IGNORE INTO consent(consent_id, person_id, record_json) "
                    "VALUES (?, ?, ?)",
                    (c.consent_id, c.person_id, c.model_dump_json()),
                )
            for st in t.templates:
                self._db.execute(
                    "INSERT OR REPLACE INTO template VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        t.person_id,
                        st.modality,
                        st.consent_id,
                        bytes.fromhex(st.nonce),
                        bytes.fromhex(st.ciphertext),
                        self._clock(),
                        self._clock(),
                    ),
                )

    # retention ----------------------------------------------------------------------
    @_locked
    def mark_used(self, person_id: str) -> None:
        """A successful verification: restarts the person's retention period."""
        self._db.execute(
            "UPDATE template SET last_used_at=? WHERE person_id=?", (self._clock(), person_id)
        )

    @_locked
    def expire(self, *, idle_ms: int, officer_id: str = "system") -> list[DeletionNotice]:
        """Delete everyone whose templates went unused for ``idle_ms`` (retention limit);
        the notices go to central and the other desks like any deletion."""
        cutoff = self._clock() - idle_ms
        people = [
            pid
            for (pid,) in self._db.execute(
                "SELECT person_id FROM template GROUP BY person_id HAVING max(last_used_at) < ?",
                (cutoff,),
            ).fetchall()
        ]
        return [
            self.delete_person(
                p, officer_id=officer_id, reason="保存期限届满 (retention limit)", kind="retention"
            )
            for p in people
        ]

    # deletion -----------------------------------------------------------------------
    def delete_person(
        self, person_id: str, *, officer_id: str, reason: str, kind: DeletionKind = "request"
    ) -> DeletionNotice:
        """A deletion made at this desk: applied, and queued for central (same
        transaction), which passes it on to the other desks."""
        notice = DeletionNotice(person_id, self._clock(), officer_id, reason)
        report = {"deleted_at": notice.deleted_at, "officer_id": officer_id, "kind": kind}
        self.apply_deletion(notice, report=report | {"reason": reason})
        return notice

    def apply_deletion(
        self, notice: DeletionNotice, *, report: dict[str, Any] | None = None
    ) -> bool:
        """Delete every template and consent of the person, in one transaction.
        Idempotent; returns whether anything was held before."""
        with self._db:
            self._db.execute("BEGIN")
            held = self.holds_anything_of(notice.person_id)
            self._db.execute("DELETE FROM template WHERE person_id=?", (notice.person_id,))
            self._db.execute("DELETE FROM consent WHERE person_id=?", (notice.person_id,))
            self._db.execute(
                "INSERT INTO deletion VALUES (?, ?, ?, ?)",
                (notice.person_id, notice.deleted_at, notice.officer_id, notice.reason),
            )
            if report is not None:
                key = f"{notice.person_id}@{notice.deleted_at}"
                self._queue_report("deletion", key, report | {"person_id": notice.person_id})
        return held

    @_locked
    def holds_anything_of(self, person_id: str) -> bool:
        for table in ("template", "consent"):
            q = f"SELECT 1 FROM {table} WHERE person_id=? LIMIT 1"
            if self._db.execute(q, (person_id,)).fetchone():
                return True
        return False
