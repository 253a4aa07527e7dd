"""What ingest stores: every accepted event once, per-device seq progress, quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime


class Event(Base):
    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("device", "seq", name="uq_event_device_seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, comment="UUIDv7")
    device: Mapped[str] = mapped_column(ForeignKey("device.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, comment="when the box made it")
    type: Mapped[str] = mapped_column(String(64), index=True)
    schema: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(
        JSONType, comment="the body; an ID number replaced by its keyed hash (at_rest.py)"
    )
    raw: Mapped[bytes] = mapped_column(
        LargeBinary, comment="signed wire bytes as received, sealed (AES-GCM, at_rest.py)"
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceSeq(Base):
    """How far a device's gap-free sequence has arrived, and what is being chased."""

    __tablename__ = "device_seq"

    device: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True)
    contiguous: Mapped[int] = mapped_column(BigInteger, default=0, comment="1..this all stored")
    max_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    gap_since: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="when the current gap was first seen"
    )
    resend_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resend_attempts: Mapped[int] = mapped_column(Integer, default=0)


class Quarantine(Base):
    """A message that was not accepted, kept with the reason so a person can act."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    topic: Mapped[str] = mapped_column(String(512))
    device: Mapped[str | None] = mapped_column(String(63), comment="from the topic, if parsable")
    payload: Mapped[bytes] = mapped_column(
        LargeBinary, comment="first 64 KiB (4 KiB if too large), sealed (AES-GCM, at_rest.py)"
    )
    payload_len: Mapped[int] = mapped_column(BigInteger)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(String(2000))


class QuarantineCount(Base):
    """How many messages were quarantined, or ignored, per day and reason: kept for ever,
    while the quarantine rows themselves are pruned (``quarantine.py``)."""

    __tablename__ = "quarantine_count"

    day: Mapped[str] = mapped_column(String(10), primary_key=True, comment="YYYY-MM-DD, UTC")
    kind: Mapped[str] = mapped_column(
        String(16), primary_key=True, comment="quarantined / ignored (statuses, acks)"
    )
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0, comment="their full length")


class IgnoredStatusSeen(Base):
    """The ignored statuses already counted today, by their bytes' hash. Statuses are not
    shared between ingest workers (each must see the retained ones), so every worker
    receives each one; only the first to see it counts it (``quarantine.first_sighting``).
    Kept two days."""

    __tablename__ = "ignored_status_seen"

    day: Mapped[str] = mapped_column(String(10), primary_key=True, comment="YYYY-MM-DD, UTC")
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, comment="of the payload")


class QuarantineRate(Base):
    """Messages quarantined per minute (all ingest workers together), for the flood
    alert; kept a day."""

    __tablename__ = "quarantine_rate"

    minute: Mapped[str] = mapped_column(
        String(16), primary_key=True, comment="YYYY-MM-DDTHH:MM, UTC"
    )
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
