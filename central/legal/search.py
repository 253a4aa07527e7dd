"""Chinese full-text search over articles: find an article from a few words of it.

Both databases do substring matching, so no word segmentation is needed:
- SQLite: FTS5 with the ``trigram`` tokenizer (SQLite ≥ 3.34). Terms of three or more
  characters go to ``MATCH``; shorter ones (trigrams cannot index them) are a ``LIKE``
  filter on the candidates, or a plain ``LIKE`` scan when every term is short.
- PostgreSQL: ``ILIKE`` on every term, served by the pg_trgm GIN index for terms of
  three or more characters.
The database finds candidates; one Python scoring function ranks them, so the two
databases return the same order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .errors import LegalError
from .models import ArticleRow, LawRow
from .parse import NUM, cn_number

MAX_TERMS = 8
MAX_TERM_LEN = 50
CANDIDATES = 200
SPLIT = re.compile(r"[\s,，。、；;：:！!？?（）()《》“”\"'‘’\[\]【】]+")
LABEL = re.compile(rf"^第({NUM})条$")


class BadQuery(LegalError, ValueError):
    pass


class Results(list["Hit"]):
    """Hits, best first; ``truncated`` when more articles matched than were ranked."""

    truncated: bool = False


@dataclass(frozen=True)
class Hit:
    id: int
    law: str
    label: str
    chapter: str
    section: str
    snippet: str
    score: float


def terms_of(q: str) -> list[str]:
    out: list[str] = []
    for t in SPLIT.split(q.strip()):
        if t and t not in out:
            out.append(t[:MAX_TERM_LEN])
    if not out:
        raise BadQuery("请输入要查找的文字")
    return out[:MAX_TERMS]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search(session: Session, q: str, *, limit: int = 20, law_id: int | None = None) -> Results:
    """Articles containing every term of ``q``, best first. The database returns at most
    ``CANDIDATES`` matches (in storage order, no ranking there: ranking every match of a
    common phrase costs more than the whole search should); those are ranked here.
    ``truncated`` tells the caller to ask for more words."""
    words = terms_of(q)
    numbers = [cn_number(m.group(1)) for w in words if (m := LABEL.match(w))]
    words = [w for w in words if not LABEL.match(w)]
    a = ArticleRow
    stmt = select(a.id, LawRow.name, a.label, a.chapter, a.section, a.body).join(LawRow)
    if law_id is not None:
        stmt = stmt.where(a.law_id == law_id)
    if numbers:
        stmt = stmt.where(a.number.in_(numbers))
    sqlite = session.get_bind().dialect.name == "sqlite"
    long = [w for w in words if len(w) >= 3]
    if sqlite and long:
        # short terms filter inside the FTS query, before its LIMIT: a rare short term
        # next to a common long one must not lose its article to the cap
        short = [w for w in words if len(w) < 3]
        cond = "".join(f" AND body LIKE :s{i} ESCAPE '\\'" for i in range(len(short)))
        ids = text(
            f"SELECT rowid FROM legal_article_fts WHERE legal_article_fts MATCH :m{cond} LIMIT :n"
        ).bindparams(
            m=" AND ".join(_fts_phrase(w) for w in long),
            # law and article-number filters apply after this LIMIT: look further then
            n=CANDIDATES * (20 if numbers or law_id is not None else 1),
            **{f"s{i}": _like(w) for i, w in enumerate(short)},
        )
        stmt = stmt.where(a.id.in_(ids))
    elif sqlite:
        for w in words:  # every term shorter than a trigram: a scan, LIMIT ends it early
            stmt = stmt.where(a.body.like(_like(w), escape="\\"))
    else:
        for w in words:
            if len(w) >= 3:  # served by the pg_trgm GIN index
                stmt = stmt.where(a.body.ilike(_like(w), escape="\\"))
            elif long:  # an expression the index does not cover: a filter on the rows found
                stmt = stmt.where((a.body + "").like(_like(w), escape="\\"))
            else:  # only short terms: a table scan (see the hint below)
                stmt = stmt.where(a.body.like(_like(w), escape="\\"))
    # PostgreSQL's cost model gets both cases wrong on tables of a few thousand pages:
    # it prices a trigram bitmap scan above a table scan though it is ~10x faster, and
    # for a term too short for trigrams it walks the whole index. Say which to skip.
    hint = None if sqlite else ("enable_seqscan" if long else "enable_bitmapscan")
    if hint:
        session.execute(text(f"SET LOCAL {hint} = off"))
    rows = session.execute(stmt.limit(CANDIDATES)).all()
    if hint:
        session.execute(text(f"RESET {hint}"))
    scores = rank([r.body for r in rows], words)
    hits = [
        Hit(r.id, r.name, r.label, r.chapter, r.section, snippet(r.body, words), sc)
        for r, sc in zip(rows, scores, strict=True)
    ]
    hits.sort(key=lambda h: (-h.score, h.id))
    out = Results(hits[:limit])
    out.truncated = len(rows) >= CANDIDATES
    return out


def rank(bodies: list[str], terms: list[str]) -> list[float]:
    """BM25-like: occurrences weighted by each term's rarity among the candidates,
    damped by article length (k1 = 1.2, b = 0.75, average article ~120 characters)."""
    low = [b.lower() for b in bodies]
    n = len(low) or 1
    idf = {}
    for t in terms:
        df = sum(1 for b in low if t.lower() in b)
        idf[t] = math.log(1 + n / df) if df else 0.0
    out = []
    for b in low:
        s = 0.0
        norm = 1.2 * (0.25 + 0.75 * len(b) / 120)
        for t in terms:
            if tf := b.count(t.lower()):
                s += idf[t] * tf * 2.2 / (tf + norm)
        out.append(round(s, 6))
    return out


def snippet(body: str, terms: list[str], width: int = 36) -> str:
    low = body.lower()
    pos = [p for t in terms if (p := low.find(t.lower())) >= 0]
    start = max(0, min(pos) - width // 2) if pos else 0
    end = min(len(body), start + 2 * width + max((len(t) for t in terms), default=0))
    return (
        ("…" if start else "")
        + body[start:end].replace("\n", " ")
        + ("…" if end < len(body) else "")
    )


def mark(text_: str, terms: list[str]) -> Markup:
    """HTML of ``text_`` with each term wrapped in <mark> (escaped first)."""
    out = str(escape(text_))
    for t in sorted({str(escape(t)) for t in terms}, key=len, reverse=True):
        out = re.sub(re.escape(t), lambda m: f"<mark>{m.group(0)}</mark>", out, flags=re.I)
    return Markup(out)
