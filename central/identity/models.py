"""Tables: consent records, deletions, per-desk deletion commands, relayed transfers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")
JSONType = JSON().with_variant(JSONB(), "postgresql")


class ConsentRow(Base):
    """A separate biometric consent given at a desk (from ``consent.recorded``)."""

    __tablename__ = "identity_consent"

    consent_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True, comment="dossier id")
    site: Mapped[str] = mapped_column(String(63), index=True)
    device: Mapped[str] = mapped_column(String(63), comment="desk where it was given")
    event_id: Mapped[str] = mapped_column(String(36), comment="consent.recorded event")
    reception_id: Mapped[str | None] = mapped_column(String(36))
    officer_id: Mapped[str] = mapped_column(String(64), comment="officer present")
    text_version: Mapped[str] = mapped_column(String(200))
    text_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]] = mapped_column(JSONType, comment="face / voice / identify_1n")
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(
        ForeignKey("identity_deletion.id"), comment="the deletion that ended it"
    )


class DeletionRow(Base):
    """A person's templates deleted at a desk (from ``biometric.deleted``)."""

    __tablename__ = "identity_deletion"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    site: Mapped[str] = mapped_column(String(63), index=True)
    origin_device: Mapped[str] = mapped_column(String(63))
    officer_id: Mapped[str] = mapped_column(String(64))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeletionCommandRow(Base):
    """The ``biometric_delete`` command to one other desk of the site, until it acks."""

    __tablename__ = "identity_deletion_cmd"

    cmd_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    deletion_id: Mapped[int] = mapped_column(ForeignKey("identity_deletion.id"), index=True)
    device: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ok: Mapped[bool | None] = mapped_column(Boolean, comment="last ack's verdict")
    detail: Mapped[str] = mapped_column(String(200), default="", comment="last ack's detail")


class TransferRow(Base):
    """A person's sealed templates relayed between desks of a site: opaque to central."""

    __tablename__ = "identity_transfer"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(63), index=True)
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    origin_device: Mapped[str] = mapped_column(String(63))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consents_given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nonce: Mapped[str] = mapped_column(String(24))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, comment="AES-GCM, site key")
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
