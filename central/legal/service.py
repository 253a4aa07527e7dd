"""Importing laws, reading articles, exporting the bundle the box caches."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from central.db import utcnow

from .errors import LegalError
from .models import ArticleRow, LawRow
from .parse import LegalImportError, parse_law

MAX_TEXT = 20 * 1024 * 1024


class NotFound(LegalError, LookupError):
    pass


def import_law(session: Session, *, name: str, text: str, source: str = "") -> LawRow:
    """Parse and store a law; a law of the same name is replaced (a new version).

    Parsing happens before anything is written, so a bad file changes nothing."""
    name = name.strip()
    if not name or len(name) > 200:
        raise LegalImportError("法律名称不能为空，且不超过 200 字")
    if len(text) > MAX_TEXT:
        raise LegalImportError("文件过大（上限 20 MB）")
    parsed = parse_law(text)
    law = session.scalar(select(LawRow).where(LawRow.name == name))
    digest = hashlib.sha256(text.encode()).hexdigest()
    if law is None:
        law = LawRow(name=name)
        session.add(law)
    else:  # triggers (SQLite) keep the FTS index in step with these deletes
        session.execute(delete(ArticleRow).where(ArticleRow.law_id == law.id))
    law.source, law.sha256, law.articles, law.imported_at = (
        source[:500],
        digest,
        len(parsed),
        utcnow(),
    )
    session.flush()
    session.add_all(
        ArticleRow(
            law_id=law.id,
            ord=i,
            number=a.number,
            label=a.label,
            part=a.part,
            chapter=a.chapter,
            section=a.section,
            body=a.body,
        )
        for i, a in enumerate(parsed)
    )
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # merge the GIN index's pending list now: until (auto)vacuum does, every search
        # scans it linearly (10x slower right after an import)
        session.execute(
            sql("SELECT gin_clean_pending_list('ix_legal_article_body_trgm'::regclass)")
        )
    return law


def laws(session: Session) -> list[LawRow]:
    return list(session.scalars(select(LawRow).order_by(LawRow.name)))


def article(session: Session, article_id: int) -> dict[str, Any]:
    a = session.get(ArticleRow, article_id)
    if a is None:
        raise NotFound(f"没有编号为 {article_id} 的条文")
    law = session.get_one(LawRow, a.law_id)
    near = dict(
        session.execute(
            select(ArticleRow.ord, ArticleRow.id).where(
                ArticleRow.law_id == a.law_id, ArticleRow.ord.in_((a.ord - 1, a.ord + 1))
            )
        ).all()
    )
    return {
        **_article_dict(a),
        "law": law.name,
        "law_id": law.id,
        "prev_id": near.get(a.ord - 1),
        "next_id": near.get(a.ord + 1),
    }


def _article_dict(a: ArticleRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "number": a.number,
        "label": a.label,
        "part": a.part,
        "chapter": a.chapter,
        "section": a.section,
        "body": a.body,
    }


def export_bundle(session: Session) -> dict[str, Any]:
    """Every law with its articles, as JSON the box caches (``version`` changes whenever
    any law does, so the box knows when to fetch again)."""
    out = []
    for law in laws(session):
        rows = session.scalars(
            select(ArticleRow).where(ArticleRow.law_id == law.id).order_by(ArticleRow.ord)
        )
        out.append(
            {
                "id": law.id,
                "name": law.name,
                "sha256": law.sha256,
                "articles": [_article_dict(a) for a in rows],
            }
        )
    version = hashlib.sha256("".join(str(law["sha256"]) for law in out).encode()).hexdigest()
    return {"format": "zhifang-legal/1", "version": version, "laws": out}


def article_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ArticleRow)) or 0
