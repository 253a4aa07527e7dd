"""Tables of situation awareness: matter classification, recorded alerts, reports.

The indexes declared at the bottom live on other domains' tables (person, reception,
matter): the dashboard groups by those columns, and declaring them here keeps the
models and the ``0008_awareness`` migration in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime
from central.dossier.models import Person, Reception
from central.workflow.models import MatterRow, TransitionRow

BigId = BigInteger().with_variant(Integer, "sqlite")


class MatterTagRow(Base):
    """A matter's category (信访事项类别) and the organ handling it (承办/转办机关)."""

    __tablename__ = "awareness_matter_tag"

    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    organ: Mapped[str | None] = mapped_column(String(200), index=True)
    tagged_by: Mapped[str] = mapped_column(String(200))
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertRow(Base):
    """An early warning as raised: what, why (the numbers), where to look."""

    __tablename__ = "awareness_alert"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True, comment="dedupe key")
    kind: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(200), comment="township, category or matter id")
    level: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), comment="console URL of the data behind it")
    numbers: Mapped[dict[str, Any]] = mapped_column(JSONType)
    p_value: Mapped[float | None] = mapped_column(Float)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReportRow(Base):
    """A generated monthly report (files under ``data_dir/reports/<month>/``)."""

    __tablename__ = "awareness_report"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    month: Mapped[str] = mapped_column(String(7), index=True, comment="YYYY-MM")
    trigger: Mapped[str] = mapped_column(String(16), comment="manual / schedule / cli")
    requested_by: Mapped[str] = mapped_column(String(200))
    pdf_path: Mapped[str] = mapped_column(String(500))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_path: Mapped[str] = mapped_column(String(500))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# the period scan of every reception chart reads this index only, in time order
FACT_COVER = (
    *("started_at", "weight", "township", "category", "person_id", "officer_id", "kind"),
    *("rating", "visitors", "reception_id"),
)


class ReceptionFact(Base):
    """A reception with its township and category already joined, for the dashboard.

    One row per distinct category of the matters registered at the reception (one row,
    category NULL, when none is tagged); ``weight`` is 1 on exactly one of them, so
    ``weight = 1`` counts each reception once. Written only by the database triggers
    of migration ``0011_awareness_facts`` (and ``facts.rebuild``): read-only here.
    """

    __tablename__ = "awareness_reception_fact"
    __table_args__ = (
        Index("ix_awareness_fact_cover", *FACT_COVER),
        Index("ix_awareness_fact_reception", "reception_id"),
        Index("ix_awareness_fact_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reception_id: Mapped[str] = mapped_column(String(36))
    category: Mapped[str | None] = mapped_column(String(64))
    weight: Mapped[int] = mapped_column(SmallInteger, comment="1 on one row per reception")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    township: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(36))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(32))
    visitors: Mapped[int | None] = mapped_column(Integer)


class MatterTime(Base):
    """A matter's first decision (受理/不予受理/转办), written reply and archive times,
    kept by a trigger on ``matter_transition`` (migration ``0011``): read-only here."""

    __tablename__ = "awareness_matter_time"

    matter_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Dashboard GROUP BY columns on other domains' tables. The reception index covers
# every column a chart groups by, so a period's scan reads the index only, in time
# order (rows themselves are stored in arrival order); the person one lets the join
# for the township read the index only.
Index("ix_awareness_person_township", Person.township, Person.id)
Index("ix_awareness_person_id_township", Person.id, Person.township)
Index(
    "ix_awareness_reception_cover",
    Reception.started_at,
    Reception.person_id,
    Reception.rating,
    Reception.officer_id,
    Reception.kind,
    Reception.visitors,
    Reception.id,
)
# a reception's category: reception → matter registered at it → tag, index-only
Index("ix_awareness_matter_reception_id", MatterRow.reception_id, MatterRow.id)
Index("ix_awareness_tag_cover", MatterTagRow.matter_id, MatterTagRow.category, MatterTagRow.organ)
# KPIs: first decision and archive time per matter, read from the index alone
Index(
    "ix_awareness_transition_action",
    TransitionRow.matter_id,
    TransitionRow.action,
    TransitionRow.at,
)
