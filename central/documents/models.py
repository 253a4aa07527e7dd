"""Issued papers and the sites' templates.

An issued paper is kept as it was handed over: its PDF stored by SHA-256 under
``<data_dir>/documents`` (read-only, like the evidence blobs), a leaf in the evidence
log naming that hash, and this row saying who issued which paper for which matter and
when. A reprint serves the same bytes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime


class IssuedDocumentRow(Base):
    __tablename__ = "issued_document"
    __table_args__ = (Index("ix_issued_document_person", "person_id", "issued_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("person.id"), comment="the petitioner it was addressed to"
    )
    site: Mapped[str | None] = mapped_column(String(63), comment="the matter's site")
    kind: Mapped[str] = mapped_column(String(24), comment="receipt / accept_notice / ...")
    title: Mapped[str] = mapped_column(String(40), comment="as printed, e.g. 来信收到回执")
    sha256: Mapped[str] = mapped_column(String(64), index=True, comment="of the PDF")
    size: Mapped[int] = mapped_column(Integer)
    template_sha256: Mapped[str] = mapped_column(String(64), comment="of the template used")
    leaf_index: Mapped[int] = mapped_column(BigInteger, comment="its leaf in the evidence log")
    issued_by: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentTemplateRow(Base):
    """A site's own wording of one paper (absent: the shipped default)."""

    __tablename__ = "document_template"

    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True, comment="or 'header'")
    body: Mapped[str] = mapped_column(Text, comment="paragraphs with {placeholders}")
    basis: Mapped[str] = mapped_column(Text, default="", comment="法律依据 as printed")
    updated_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
