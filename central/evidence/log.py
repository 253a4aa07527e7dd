"""The evidence log on SQL: the pure tree code of ``protocol.merkle`` plus storage.

Appends are batched: one transaction inserts the leaves and every perfect-subtree
node they complete (about two per leaf), and bumps the size row it locked. Roots and
proofs read O(log n) stored nodes in one query.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from protocol import keys, merkle, note

from .models import CheckpointRow, Leaf, LogState, Node

# built once: SQLAlchemy caches its compiled form, so a proof costs one round trip
_NODES = select(Node.key, Node.hash).where(Node.key.in_(bindparam("keys", expanding=True)))


@dataclass(frozen=True)
class Entry:
    data: bytes  # canonical bytes of the signed manifest
    manifest_hash: str
    reception_id: str | None = None
    seg_index: int | None = None


def load_log_key(path: Path) -> Ed25519PrivateKey:
    """The log's signing key; created on first use with mode 0600."""
    return keys.load_or_create_private_key(path)


class EvidenceLog:
    """One log (``origin``) kept in the session's database."""

    def __init__(self, *, origin: str, key: Ed25519PrivateKey) -> None:
        self.signer = note.NoteSigner(origin, key)
        self.origin = origin
        self._frontier: merkle.Frontier | None = None
        self._append_lock = threading.Lock()  # one appender per process at a time
        # node hashes never change once written, so upper levels are cached for good
        self._cache: dict[int, bytes] = {}

    CACHE_MIN_LEVEL = 4  # ~n/16 entries at most: 60k hashes for a million leaves

    @property
    def verifier(self) -> note.NoteVerifier:
        return self.signer.verifier

    def get_nodes(self, session: Session, ids: Sequence[merkle.NodeId]) -> list[bytes]:
        wanted = [merkle.node_key(level, index) for level, index in ids]
        found = {k: self._cache[k] for k in wanted if k in self._cache}
        ask = [k for k in wanted if k not in found]
        conn = session.connection()
        for start in range(0, len(ask), 500):
            part = ask[start : start + 500]
            rows = conn.execute(_NODES, {"keys": part})
            found.update({k: h for k, h in rows})
        for (level, _), k in zip(ids, wanted, strict=True):
            if level >= self.CACHE_MIN_LEVEL and k in found:
                self._cache[k] = found[k]
        missing = [ids[i] for i, k in enumerate(wanted) if k not in found]
        if missing:
            raise LookupError(f"evidence log is missing tree nodes {missing[:3]}")
        return [found[k] for k in wanted]

    def _getter(self, session: Session) -> merkle.GetNodes:
        return lambda ids: self.get_nodes(session, ids)

    def size(self, session: Session) -> int:
        state = session.get(LogState, 1)
        return state.size if state else 0

    def append(self, session: Session, entries: Sequence[Entry]) -> list[int]:
        """Append entries in order; return their leaf indexes. The caller commits.

        Across processes the locked size row serialises appenders (PostgreSQL); on
        SQLite a concurrent writer waits for the lock or fails, and the caller retries.
        """
        with self._append_lock:
            return self._append(session, entries)

    def _append(self, session: Session, entries: Sequence[Entry]) -> list[int]:
        state = session.get(LogState, 1, with_for_update=True)
        if state is None:
            state = LogState(id=1, size=0)
            session.add(state)
            session.flush()
        cached = self._frontier
        if cached is None or cached.size != state.size:  # other writer, or a rollback
            self._cache.clear()  # it may hold nodes read before a rollback
            cached = merkle.Frontier.load(state.size, self._getter(session))
        frontier = merkle.Frontier(cached.size, list(cached.hashes))
        leaves, nodes, out = [], [], []
        for e in entries:
            index = frontier.size
            for level, i, h in frontier.append(merkle.hash_leaf(e.data)):
                nodes.append({"key": merkle.node_key(level, i), "hash": h})
            leaves.append(
                {
                    "leaf_index": index,
                    "manifest_hash": e.manifest_hash,
                    "data": e.data,
                    "reception_id": e.reception_id,
                    "seg_index": e.seg_index,
                }
            )
            out.append(index)
        if leaves:
            conn = session.connection()  # Core executemany: no ORM bookkeeping per row
            conn.execute(insert(Leaf.__table__), leaves)  # type: ignore[arg-type]
            conn.execute(insert(Node.__table__), nodes)  # type: ignore[arg-type]
            state.size = frontier.size
            session.flush()
        self._frontier = frontier
        return out

    def root(self, session: Session, size: int | None = None) -> bytes:
        return merkle.root(self.size(session) if size is None else size, self._getter(session))

    def inclusion_proof(self, session: Session, index: int, size: int) -> list[bytes]:
        self._check_size(session, size)
        return merkle.inclusion_proof(index, size, self._getter(session))

    def consistency_proof(self, session: Session, size1: int, size2: int) -> list[bytes]:
        self._check_size(session, size2)
        return merkle.consistency_proof(size1, size2, self._getter(session))

    def _check_size(self, session: Session, size: int) -> None:
        if size > self.size(session):
            raise ValueError(f"the log has fewer than {size} entries")

    def checkpoint(self, session: Session) -> bytes:
        """The signed checkpoint of the current size (made once per size)."""
        size = self.size(session)
        row = session.get(CheckpointRow, size)
        if row is not None:
            return row.note
        cp = note.Checkpoint(self.origin, size, self.root(session, size))
        raw = note.sign_note(cp.text(), [self.signer]).to_bytes()
        session.add(CheckpointRow(size=size, note=raw))
        session.flush()
        return raw

    def leaf(self, session: Session, manifest_hash: str) -> Leaf | None:
        return session.scalar(select(Leaf).where(Leaf.manifest_hash == manifest_hash))

    def reception_leaves(self, session: Session, reception_id: str) -> list[Leaf]:
        q = select(Leaf).where(Leaf.reception_id == reception_id).order_by(Leaf.seg_index)
        return list(session.scalars(q))
