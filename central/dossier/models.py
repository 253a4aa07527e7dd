"""The minimal dossier (专人专档): persons, their receptions, and each reception's steps.

These rows are projections of events (see ``central/ingest/projection.py``): they can
be rebuilt from the ``event`` table, which stays the record of what the boxes said.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from central.db import Base, JSONType, UTCDateTime, utcnow
from central.dossier.matching import pinyin_key


def new_id() -> str:
    return str(uuid.uuid4())


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (Index("ix_person_name_search", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    id_number_hash: Mapped[str | None] = mapped_column(
        String(64), index=True, unique=True, comment="HMAC-SHA256(id_hash_key, ID number), hex"
    )
    id_number_enc: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="AES-256-GCM(id_enc_key, ID number)"
    )
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    township: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200), comment="as last stated at a desk")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name_pinyin: Mapped[str | None] = mapped_column(
        String(400), index=True, comment="toneless pinyin of the name, for search"
    )
    merged_into: Mapped[str | None] = mapped_column(
        String(36), index=True, comment="set when merged into another person (reversible)"
    )


class Reception(Base):
    __tablename__ = "reception"
    __table_args__ = (
        # the dossier timeline: one person's receptions, newest first
        Index("ix_reception_person_started", "person_id", "started_at"),
        # 领导接访 counts for a period (KPIs) without scanning every reception
        Index("ix_reception_kind_started", "kind", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, comment="reception_id")
    # the box that owns the reception: only its events about it count (ingest/projection.py)
    device: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    officer_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    visitors: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(32))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_seq: Mapped[int | None] = mapped_column(
        BigInteger, comment="the box's seq of the rating event that binds (the lowest)"
    )
    person_seq: Mapped[int | None] = mapped_column(
        BigInteger, comment="the box's seq of the identification that set person_id (the highest)"
    )
    risk_level: Mapped[str | None] = mapped_column(String(16))
    risk_reason: Mapped[str | None] = mapped_column(String(200))
    cancelled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="cancelled at the desk"
    )
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    events: Mapped[int] = mapped_column(Integer, default=0, comment="events stored so far")
    events_expected: Mapped[int | None] = mapped_column(
        Integer, comment="count the box declared in reception.ended"
    )

    person: Mapped[Person | None] = relationship(lazy="raise")
    steps: Mapped[list[ReceptionStep]] = relationship(
        lazy="raise", order_by="ReceptionStep.at", back_populates="reception"
    )


class ReceptionStep(Base):
    __tablename__ = "reception_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reception_id: Mapped[str] = mapped_column(ForeignKey("reception.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True, comment="source event")
    step: Mapped[str] = mapped_column(String(32))
    officer_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    matter_ref: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

    reception: Mapped[Reception] = relationship(lazy="raise", back_populates="steps")


class PersonMerge(Base):
    """An audited merge of a duplicate into the surviving dossier, with what moved, so
    it can be undone exactly."""

    __tablename__ = "person_merge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    merged_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    moved: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="rows moved, for undo")
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
    undo_reason: Mapped[str | None] = mapped_column(Text)


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _fill_pinyin(_mapper: Any, _conn: Any, target: Person) -> None:
    target.name_pinyin = pinyin_key(target.name)
