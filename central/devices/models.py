"""Registered boxes: a device's name is its id, its Ed25519 key checks every event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime, utcnow


class Device(Base):
    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(63), primary_key=True, comment="device name")
    site: Mapped[str] = mapped_column(String(63), index=True)
    public_key: Mapped[str] = mapped_column(String(64), comment="base64 Ed25519 public key")
    status: Mapped[str] = mapped_column(String(16), default="offline", comment="online/offline")
    status_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="ts of the status message that set status"
    )
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
