"""Evidence log tables: leaves, stored tree nodes, checkpoints, blobs, uploads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class LogState(Base):
    """One row per log: its size. Appenders lock it, so appends are serialised."""

    __tablename__ = "evidence_log_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class Leaf(Base):
    __tablename__ = "evidence_leaves"
    leaf_index: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    manifest_hash: Mapped[str] = mapped_column(String(64), unique=True, comment="sha256 hex")
    data: Mapped[bytes] = mapped_column(LargeBinary, comment="canonical signed manifest")
    reception_id: Mapped[str | None] = mapped_column(String(36), index=True)
    seg_index: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Node(Base):
    """Hash of a complete perfect subtree; key = protocol.merkle.node_key(level, index)."""

    __tablename__ = "evidence_nodes"
    key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CheckpointRow(Base):
    __tablename__ = "evidence_checkpoints"
    size: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    note: Mapped[bytes] = mapped_column(LargeBinary, comment="C2SP signed note")
    timestamp: Mapped[bytes | None] = mapped_column(LargeBinary, comment="RFC 3161 response")
    cosigned: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="the note with witness cosignatures added"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Blob(Base):
    __tablename__ = "evidence_blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(Base):
    """A resumable segment upload: opened with a signed manifest, filled by offset.

    ``parked``: every byte arrived and matches, but central does not know the reception
    yet, so the segment is not trusted or logged; it is checked (device, chain) and
    logged when the box asks to finalize again after the reception's events arrived."""

    __tablename__ = "evidence_uploads"
    # the alert scan asks every minute for uploads parked too long (``alerts.service``)
    __table_args__ = (Index("ix_evidence_uploads_status_created", "status", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    device: Mapped[str] = mapped_column(String(63), index=True)
    manifest: Mapped[bytes] = mapped_column(LargeBinary)
    manifest_hash: Mapped[str] = mapped_column(String(64), index=True)
    reception_id: Mapped[str | None] = mapped_column(String(36), index=True)
    seg_index: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(BigInteger, comment="bytes the manifest announces")
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(
        String(16), default="open", comment="open/parked/done/refused"
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    leaf_index: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
