"""Tables of the historical import: each site's column mapping, each run (batch), and
each imported record with its identity at the site (``site`` + ``key``: the record's
own number or a hash of its row), which is what makes a re-run change nothing and
marks a matter as imported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime


class ImportMappingRow(Base):
    """Which header of a site's files holds each field (``columns.Mapping``)."""

    __tablename__ = "import_mapping"

    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    columns: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="field key → header")
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportBatchRow(Base):
    """One run of an import, dry or real, with what it found."""

    __tablename__ = "import_batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(63), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), comment="of the file as uploaded")
    actor: Mapped[str] = mapped_column(String(200))
    dry_run: Mapped[bool] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0, comment="new matters")
    unchanged: Mapped[int] = mapped_column(Integer, default=0, comment="imported before")
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    new_people: Mapped[int] = mapped_column(Integer, default=0)


class ImportedRecordRow(Base):
    """A matter that came from an import: from which file and row, as what."""

    __tablename__ = "import_record"
    __table_args__ = (UniqueConstraint("site", "key", name="uq_import_record_site_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(120), comment="no:<own number> / row:<row hash>")
    digest: Mapped[str] = mapped_column(String(64), comment="SHA-256 of what the row said")
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("import_batch.id"), index=True)
    row_no: Mapped[int] = mapped_column(Integer, comment="its row in the file")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
