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


class ProvisioningCredential(Base):
    """A site's provisioning credential (``zfp_<id>_<secret>``): registers and revokes
    that site's boxes (``zhifang provision register``). Only its SHA-256 is stored."""

    __tablename__ = "provisioning_credential"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    site: Mapped[str] = mapped_column(String(63), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RequestNonce(Base):
    """Nonces of device-signed HTTP requests seen in the last minutes: a request whose
    nonce is here already is a replay. Rows older than the allowed clock skew are
    pruned (a request that old is refused by its time anyway)."""

    __tablename__ = "request_nonce"

    device: Mapped[str] = mapped_column(String(63), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
