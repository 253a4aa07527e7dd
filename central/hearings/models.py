"""People registry, hearings, verifiable draws and the hearing record.

``hearing`` is also what the dossier timeline reads for a matter: its outcome and the
petitioner's acceptance (see the query in docs/hearings-draw.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime
from central.workflow.models import BigId


class RegistryPerson(Base):
    __tablename__ = "hearing_person"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), index=True, comment="see CATEGORIES")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(200), default="", comment="phone or e-mail")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConflictRow(Base):
    """A declared conflict of interest: the person may not sit on hearings touching
    ``subject`` (``person:<id>``, ``matter:<id>``, ``org:<name>``, ``region:<name>``)."""

    __tablename__ = "hearing_conflict"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("hearing_person.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")


class HearingRow(Base):
    __tablename__ = "hearing"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(16), comment="in_person / online")
    location: Mapped[str] = mapped_column(String(200), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), comment="scheduled / held / cancelled")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    record: Mapped[str] = mapped_column(Text, default="", comment="听证记录")
    outcome: Mapped[str] = mapped_column(Text, default="", comment="听证结论")
    petitioner_accepts: Mapped[bool | None] = mapped_column(Boolean, comment="信访人是否接受")
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


OPEN = text("status = 'committed'")


class DrawRow(Base):
    """One draw: committed (record + commitment in the evidence log), then revealed,
    or abandoned (with who, when and why: the published record lists it)."""

    __tablename__ = "hearing_draw"
    # one open commitment per hearing, held by the database as well as the service
    __table_args__ = (
        Index(
            "uq_hearing_draw_open",
            "hearing_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    hearing_id: Mapped[str] = mapped_column(ForeignKey("hearing.id"), index=True)
    commitment: Mapped[str] = mapped_column(String(64), comment="sha256 of the commit record")
    commit_record: Mapped[dict[str, Any]] = mapped_column(JSONType)
    leaf_index: Mapped[int | None] = mapped_column(BigId, comment="evidence log leaf")
    # before the reveal: the secret seed central made (``commit_draw(hold_seed=True)``),
    # served by nothing until ``reveal_draw`` publishes it
    seed: Mapped[str | None] = mapped_column(String(128), comment="revealed seed (hex)")
    seed_by: Mapped[str | None] = mapped_column(
        String(16), comment="who held the seed: central / holder (someone else); none: no seed"
    )
    beacon_value: Mapped[str | None] = mapped_column(String(256))
    beacon_signature: Mapped[str | None] = mapped_column(
        String(192), comment="the beacon round's signature (hex), checked at the reveal"
    )
    selected: Mapped[list[str] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), comment="committed / revealed / abandoned")
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abandoned_by: Mapped[str | None] = mapped_column(String(200), comment="who abandoned it")
    abandon_reason: Mapped[str | None] = mapped_column(String(500), comment="why")


class ParticipantRow(Base):
    __tablename__ = "hearing_participant"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hearing_id: Mapped[str] = mapped_column(ForeignKey("hearing.id"), index=True)
    role: Mapped[str] = mapped_column(String(24), comment="officer / petitioner / organ / other")
    name: Mapped[str] = mapped_column(String(100))
    registry_id: Mapped[str | None] = mapped_column(ForeignKey("hearing_person.id"), index=True)
    attended: Mapped[bool | None] = mapped_column(Boolean)
    seat: Mapped[int] = mapped_column(Integer, default=0)
