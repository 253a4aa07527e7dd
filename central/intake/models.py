"""Files that came with a petition (the letter's scan, a transferred case's papers),
kept by SHA-256 under ``<data_dir>/attachments`` and logged as evidence leaves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime


class AttachmentRow(Base):
    __tablename__ = "matter_attachment"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24), comment="letter_scan / transfer_file")
    filename: Mapped[str] = mapped_column(String(200), comment="as uploaded (shown, never a path)")
    media_type: Mapped[str] = mapped_column(String(64), comment="from the file's own bytes")
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, comment="its leaf in the evidence log")
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
