"""Alert rows: one per (event, recipient), sent once (``key`` is unique)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime

KINDS = (
    "due_soon",
    "overdue",
    "record_problem",
    "high_risk",
    "early_warning",
    "foreign_reception",  # a box spoke about another box's reception
    "quarantine_flood",  # messages quarantined faster than the stated rate
)


class AlertRow(Base):
    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True, comment="dedupe: sent once")
    kind: Mapped[str] = mapped_column(
        String(24),
        comment="due_soon/overdue/record_problem/high_risk/early_warning/"
        "foreign_reception/quarantine_flood",
    )
    level: Mapped[str] = mapped_column(String(16), comment="info / warning / danger")
    recipient: Mapped[str] = mapped_column(String(64), index=True, comment="account username")
    recipient_role: Mapped[str] = mapped_column(String(16), comment="officer / leader")
    matter_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reception_id: Mapped[str | None] = mapped_column(String(36), index=True)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(
        String(500), comment="console URL to open; else the matter's or the supervision page"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, comment="MQTT command queued")
    send_error: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
