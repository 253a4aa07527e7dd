"""Who read which dossier, when and why (DESIGN: every read of a dossier is audited)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), comment="account, or client until accounts")
    action: Mapped[str] = mapped_column(String(64), comment="e.g. person.timeline.read")
    target: Mapped[str] = mapped_column(String(200), index=True, comment="e.g. person:<id>")
    reason: Mapped[str] = mapped_column(String(500), default="", comment="why, as stated")
    client: Mapped[str | None] = mapped_column(String(200), comment="remote address")
