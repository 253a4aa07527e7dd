"""Other organs (police, 信访局, townships): identities, tokens, scopes, what they add."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime
from central.workflow.models import BigId


class OrganRow(Base):
    __tablename__ = "organ"

    id: Mapped[str] = mapped_column(
        String(64), primary_key=True, comment="slug, e.g. police-minhou"
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), comment="police / xfj / township / other")
    fields: Mapped[list[str]] = mapped_column(JSONType, comment="matter fields it may see")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rate_per_minute: Mapped[int | None] = mapped_column(
        Integer, comment="its tokens' limit; else settings"
    )
    rate_per_day: Mapped[int | None] = mapped_column(
        Integer, comment="its tokens' limit; else settings"
    )


class OrganToken(Base):
    """An API token; only its SHA-256 is stored (the secret is shown once)."""

    __tablename__ = "organ_token"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    organ_id: Mapped[str] = mapped_column(ForeignKey("organ.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rate_per_minute: Mapped[int | None] = mapped_column(
        Integer, comment="else the organ's, else settings"
    )
    rate_per_day: Mapped[int | None] = mapped_column(
        Integer, comment="else the organ's, else settings"
    )


class RateCount(Base):
    """Requests of one token in one fixed window (a minute, a day): the rate limit's
    counter, kept in the database so every worker and process counts together."""

    __tablename__ = "organ_rate_count"

    token_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    bucket: Mapped[str] = mapped_column(
        String(24), primary_key=True, comment="m:<minute> or d:<day>, in UTC+8"
    )
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True, comment="window end")


class MatterShare(Base):
    """A matter made visible to an organ (by a leader, or by sending it a plan)."""

    __tablename__ = "organ_matter_share"

    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), primary_key=True)
    organ_id: Mapped[str] = mapped_column(ForeignKey("organ.id"), primary_key=True, index=True)
    shared_by: Mapped[str] = mapped_column(String(200))
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500))


class Contribution(Base):
    """Information an organ added to a matter, or a warning it raised, under its name."""

    __tablename__ = "organ_contribution"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    organ_id: Mapped[str] = mapped_column(ForeignKey("organ.id"), index=True)
    token_id: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), comment="info / warning")
    level: Mapped[str | None] = mapped_column(String(16), comment="warning: low/medium/high")
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
