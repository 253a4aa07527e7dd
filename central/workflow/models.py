"""Tables of the case workflow.

``matter_transition`` is the record (who, when, why, documents) and the source of
truth: a matter's state is the fold of its transitions (``machine.replay``). The
``matter`` row caches the status for queries and carries ``version`` (= the number
of transitions) so two officers acting at once cannot both apply a step. Pauses and
extensions are projections written in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime

from .states import Status

BigId = BigInteger().with_variant(Integer, "sqlite")


class MatterRow(Base):
    __tablename__ = "matter"
    # the KPI page's matters per channel in a period
    __table_args__ = (Index("ix_matter_channel_registered", "channel", "registered_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id"), index=True, comment="the petitioner (for a group: the first)"
    )
    reception_id: Mapped[str | None] = mapped_column(
        ForeignKey("reception.id"), comment="reception where it was registered"
    )
    officer_id: Mapped[str] = mapped_column(String(64), index=True, comment="承办人")
    leader_id: Mapped[str | None] = mapped_column(String(64), comment="分管领导")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, comment="number of transitions")
    supervisions: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(default=False)
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk_level: Mapped[str | None] = mapped_column(String(16))
    risk_reason: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(
        String(63), index=True, comment="the site that registered it (its desk's, or its officer's)"
    )
    ref_no: Mapped[str | None] = mapped_column(
        String(80),
        unique=True,
        index=True,
        comment="文号, e.g. 闽侯检信〔2026〕123号 (site format)",
    )
    query_code: Mapped[str | None] = mapped_column(
        String(16), comment="查询码 printed on the 回执: with ref_no, opens the progress page"
    )
    channel: Mapped[str] = mapped_column(
        String(16),
        default="visit",
        server_default="visit",
        comment="渠道: visit/letter/phone/online/transfer",
    )
    source_organ: Mapped[str | None] = mapped_column(
        String(200), comment="转来: the organ that transferred it"
    )
    source_ref: Mapped[str | None] = mapped_column(
        String(120), comment="转来: its file number; 网上/电话: the 12309 record number"
    )


class RefCounter(Base):
    """The last 文号 sequence number given, per site and year (atomic upsert)."""

    __tablename__ = "matter_ref_counter"

    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class TransitionRow(Base):
    __tablename__ = "matter_transition"
    __table_args__ = (UniqueConstraint("matter_id", "seq", name="uq_matter_transition_seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, comment="when the step was taken")
    reason: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[str]] = mapped_column(JSONType, comment="document ids / hashes")
    details: Mapped[dict[str, Any]] = mapped_column(JSONType)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PauseRow(Base):
    __tablename__ = "matter_pause"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_seq: Mapped[int] = mapped_column(Integer)
    ended_seq: Mapped[int | None] = mapped_column(Integer)


class ExtensionRow(Base):
    __tablename__ = "matter_extension"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(200))
    notice_document: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(Integer)


class MatterPersonRow(Base):
    """Persons on a matter: one for a single petitioner, several for a group visit."""

    __tablename__ = "matter_person"

    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), comment="petitioner / representative / member")


class MatterVisitRow(Base):
    """A reception linked to an open matter (a repeat visit need not retell the story)."""

    __tablename__ = "matter_visit"

    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), primary_key=True)
    reception_id: Mapped[str] = mapped_column(
        ForeignKey("reception.id"), primary_key=True, index=True
    )
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_by: Mapped[str] = mapped_column(String(200))


class SupervisionRow(Base):
    """A leader joining supervision (督办) of a high-risk reception or a matter."""

    __tablename__ = "supervision"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reception_id: Mapped[str | None] = mapped_column(ForeignKey("reception.id"), index=True)
    matter_id: Mapped[str | None] = mapped_column(ForeignKey("matter.id"), index=True)
    leader: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")


class ReviewRow(Base):
    """The leader's review of a 不满意 reception: findings and accountability notes."""

    __tablename__ = "leader_review"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reception_id: Mapped[str] = mapped_column(ForeignKey("reception.id"), unique=True)
    leader: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    findings: Mapped[str] = mapped_column(Text, comment="what the leader found")
    accountability: Mapped[str] = mapped_column(Text, default="", comment="问责 notes")


# the statuses of a matter not yet 立卷归档, for indexed equality lookups
OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.archived)


class PendingStepRow(Base):
    """A box step that arrived before what it follows (a 受理 before its 登记 was
    resent, say): kept here and applied when the matter's earlier steps arrive."""

    __tablename__ = "matter_step_pending"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    matter_ref: Mapped[str] = mapped_column(String(36), index=True)
    reception_id: Mapped[str] = mapped_column(String(36))
    person_id: Mapped[str | None] = mapped_column(String(36))
    step_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="when the step was taken")
    body: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="the workflow.step body")
    reason: Mapped[str] = mapped_column(Text, comment="why it could not be applied yet")
    parked_at: Mapped[datetime] = mapped_column(UTCDateTime)
