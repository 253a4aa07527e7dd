"""Laws and their articles, as structured text (law → chapter → article).

Full-text search indexes live beside these tables and are made by migration 0007:
on SQLite an external-content FTS5 table ``legal_article_fts`` (trigram tokenizer,
kept in step by triggers), on PostgreSQL a pg_trgm GIN index on ``body``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, UTCDateTime
from central.workflow.models import BigId


class LawRow(Base):
    __tablename__ = "legal_law"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, comment="e.g. 信访工作条例")
    source: Mapped[str] = mapped_column(String(500), default="", comment="file it came from")
    sha256: Mapped[str] = mapped_column(String(64), comment="hash of the imported text")
    articles: Mapped[int] = mapped_column(Integer, comment="number of articles")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArticleRow(Base):
    __tablename__ = "legal_article"
    __table_args__ = (
        UniqueConstraint("law_id", "ord", name="uq_legal_article_ord"),
        Index(
            "ix_legal_article_body_trgm",
            "body",
            postgresql_using="gin",
            postgresql_ops={"body": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    law_id: Mapped[int] = mapped_column(ForeignKey("legal_law.id", ondelete="CASCADE"), index=True)
    ord: Mapped[int] = mapped_column(Integer, comment="position in the law, from 0")
    number: Mapped[int] = mapped_column(Integer, comment="article number (第十二条 → 12)")
    label: Mapped[str] = mapped_column(String(40), comment="as written: 第十二条 / 第十二条之一")
    part: Mapped[str] = mapped_column(String(200), default="", comment="编")
    chapter: Mapped[str] = mapped_column(String(200), default="", comment="章")
    section: Mapped[str] = mapped_column(String(200), default="", comment="节")
    body: Mapped[str] = mapped_column(Text)
