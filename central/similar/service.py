"""Similar earlier matters, with how they were handled and how they ended (统一口径).

The corpus is every matter's summary plus the reasons recorded on its transitions
(what was done and replied). The index is cached per process and rebuilt when the
number of matters or their latest update changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.bm25 import BM25, tokens
from central.workflow.models import MatterRow, TransitionRow
from central.workflow.scope import matter_sites
from central.workflow.service import MatterNotFound

DONE = {"replied", "review_replied", "re_review_replied", "archived", "declined"}


@dataclass(frozen=True)
class Doc:
    matter_id: str
    text: str


class SimilarIndex:
    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.bm25 = BM25([tokens(d.text) for d in docs])

    def query(
        self, text: str, *, k: int = 5, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        hits = self.bm25.top(tokens(text), k + 1)
        return [(self.docs[i].matter_id, s) for i, s in hits if self.docs[i].matter_id != exclude][
            :k
        ]


_lock = threading.Lock()
_cached: dict[str, tuple[tuple[int, datetime | None], SimilarIndex]] = {}


def _index(session: Session) -> SimilarIndex:
    key = session.execute(select(func.count(), func.max(MatterRow.updated_at))).one()
    stamp = (int(key[0]), key[1])
    url = str(session.get_bind().engine.url)
    with _lock:
        hit = _cached.get(url)
        if hit and hit[0] == stamp:
            return hit[1]
    reasons: dict[str, list[str]] = {}
    for mid, reason in session.execute(
        select(TransitionRow.matter_id, TransitionRow.reason).order_by(TransitionRow.id)
    ):
        if reason:
            reasons.setdefault(mid, []).append(reason)
    docs = [
        Doc(mid, " ".join([summary or "", *reasons.get(mid, [])]))
        for mid, summary in session.execute(select(MatterRow.id, MatterRow.summary))
    ]
    idx = SimilarIndex(docs)
    with _lock:
        _cached[url] = (stamp, idx)
    return idx


def similar_matters(
    session: Session, *, text: str, k: int = 5, exclude: str | None = None
) -> list[dict[str, Any]]:
    """The ``k`` most similar matters to ``text``: summary, status, each recorded step
    (handling) and the last reason (the outcome)."""
    hits = _index(session).query(text, k=k, exclude=exclude)
    out = []
    for mid, score in hits:
        m = session.get_one(MatterRow, mid)
        steps = session.execute(
            select(TransitionRow.action, TransitionRow.at, TransitionRow.reason)
            .where(TransitionRow.matter_id == mid)
            .order_by(TransitionRow.seq)
        ).all()
        handling = [{"action": a, "at": at.isoformat(), "reason": r} for a, at, r in steps]
        out.append(
            {
                "matter_id": mid,
                "score": round(score, 4),
                "summary": m.summary,
                "status": m.status,
                "registered_at": m.registered_at.isoformat(),
                "handling": handling,
                "outcome": handling[-1]["reason"] if handling and m.status in DONE else "",
            }
        )
    return out


def similar_to_matter(
    session: Session, *, matter_id: str, scope: SiteScope, k: int = 5
) -> list[dict[str, Any]]:
    """The matters most like a stored one (its summary), itself left out: a matter of
    another site only with a stated reason (``scope``); ``MatterNotFound`` if unknown."""
    m = session.get(MatterRow, matter_id)
    if m is None:
        raise MatterNotFound(f"事项不存在：{matter_id}")
    scope.read(matter_sites(session, matter_id), what="该事项")
    return similar_matters(session, text=m.summary, k=k, exclude=matter_id)
