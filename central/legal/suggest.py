"""Articles related to a matter's description (beside the matter, before anyone types).

Unlike ``search`` (every word must occur), this ranks articles by BM25 over jieba
tokens of the description, so a petitioner's own words find the articles that share
the most telling of them. The index is built in memory from the articles and cached
per database until a law is imported again.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.bm25 import BM25, tokens
from central.workflow.models import MatterRow
from central.workflow.scope import matter_sites

from .models import ArticleRow, LawRow
from .search import Hit, snippet

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, datetime | None], list[int], BM25]] = {}


def _index(session: Session) -> tuple[list[int], BM25]:
    n, last = session.execute(select(func.count(LawRow.id), func.max(LawRow.imported_at))).one()
    stamp = (int(n), last)
    url = str(session.get_bind().engine.url)
    with _lock:
        hit = _cache.get(url)
        if hit and hit[0] == stamp:
            return hit[1], hit[2]
    rows = session.execute(select(ArticleRow.id, ArticleRow.body).order_by(ArticleRow.id)).all()
    ids, index = [r.id for r in rows], BM25([tokens(r.body) for r in rows])
    with _lock:
        _cache[url] = (stamp, ids, index)
    return ids, index


def suggest(session: Session, text: str, *, limit: int = 8) -> list[Hit]:
    ids, index = _index(session)
    words = tokens(text)
    top = index.top(words, limit)
    if not top:
        return []
    wanted = [ids[i] for i, _ in top]
    rows = {
        r.id: r
        for r in session.execute(
            select(
                ArticleRow.id,
                LawRow.name,
                ArticleRow.label,
                ArticleRow.chapter,
                ArticleRow.section,
                ArticleRow.body,
            )
            .join(LawRow)
            .where(ArticleRow.id.in_(wanted))
        )
    }
    shown = [w for w in dict.fromkeys(words) if len(w) > 1]
    return [
        Hit(r.id, r.name, r.label, r.chapter, r.section, snippet(r.body, shown), round(s, 6))
        for (i, s) in top
        if (r := rows.get(ids[i])) is not None
    ]


def for_matter(
    session: Session, scope: SiteScope, matter_id: str, *, limit: int = 8
) -> tuple[list[Hit], list[str]] | None:
    """Articles related to a matter's summary, and the words of the summary they were
    found by; ``None`` when there is no such matter in the scope's sites."""
    matter = session.get(MatterRow, matter_id)
    if matter is None or not scope.owns(matter_sites(session, matter.id)):
        return None
    words = [w for w in dict.fromkeys(tokens(matter.summary)) if len(w) > 1]
    return suggest(session, matter.summary, limit=limit), words
