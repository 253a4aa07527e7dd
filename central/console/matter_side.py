"""What the matter page shows beside the matter: the legal references (法律依据), the
most similar earlier matters with their handling (统一口径), the coordinated plans
(协同接访方案) and what other organs added or warned about (有关单位).

Each piece costs one or two queries, except the similar matters: ``similar_matters``
reads each hit and its transitions (2k + 1 queries for k hits). The legal-suggestion
and similar-matter indexes are cached per process; the similar one is rebuilt after
any matter changes (all summaries and transition reasons: see docs/ui.md for figures).
Nothing here writes: the page records its one ``matter.read``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.awareness.models import MatterTagRow
from central.bm25 import tokens
from central.labels import PLAN_STATUS_ZH, TASK_ORGAN_ZH, TASK_STATUS_ZH
from central.legal.models import LawRow
from central.legal.search import BadQuery, Hit, search, terms_of
from central.legal.suggest import suggest
from central.plans import service as plans
from central.sharing import service as sharing
from central.sharing.models import MatterShare, OrganRow
from central.similar.service import similar_matters
from central.workflow.models import MatterRow
from central.workflow.states import ACTION_ZH, STATUS_ZH, Action, Status

from .templating import LOCAL

LEGAL_SUGGESTED = 5  # articles shown before anyone types
LEGAL_SEARCHED = 10
SIMILAR = 5
NOTES_SHOWN = 3  # reasons of a similar matter's steps, the latest ones
# steps that move a clock or note a fact, not how the matter was handled
BOOKKEEPING = {"notify", "supervise", "extend", "pause", "resume", "progress_reply"}
OUTCOME_ACTIONS = ("reply", "decline")
PROCURATORATE = "@procuratorate"  # the organ select's value for our own staff
KIND_ZH = TASK_ORGAN_ZH
STATUS_PLAN_ZH = {**PLAN_STATUS_ZH, **TASK_STATUS_ZH}  # a plan's, and its tasks'


@dataclass(frozen=True)
class LegalPanel:
    query: str  # what the officer typed; empty: suggestions for the summary
    hits: list[Hit]
    terms: list[str]  # marked in the snippets
    truncated: bool = False
    error: str = ""
    no_laws: bool = False  # nothing imported yet (say so, rather than "no match")


@dataclass(frozen=True)
class SimilarMatter:
    matter_id: str
    summary: str
    category: str | None
    status_label: str
    registered_at: datetime
    steps: list[str]  # the procedure it went through, as labels
    notes: list[tuple[str, str]]  # (step label, reason): how it was handled
    outcome: str  # the reply (or refusal) given; empty while still open
    done: bool


@dataclass(frozen=True)
class OrganOption:
    value: str  # an organ id, or PROCURATORATE, or "@<kind>" for "not chosen yet"
    label: str


@dataclass
class Side:
    legal: LegalPanel
    similar: list[SimilarMatter]
    category: str | None  # this matter's own
    plans: list[dict[str, Any]]
    shares: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    warnings: int
    organ_options: list[OrganOption] = field(default_factory=list)
    plan_advised: str = ""  # why a plan is advised; empty: only on demand


def legal_panel(session: Session, summary: str, query: str) -> LegalPanel:
    """Articles for the summary (BM25 over its words), or a search for ``query``."""
    if query.strip():
        try:
            found = search(session, query, limit=LEGAL_SEARCHED)
        except BadQuery as e:
            return LegalPanel(query, [], [], error=str(e))
        out = LegalPanel(query, list(found), terms_of(query), truncated=found.truncated)
    else:
        words = [w for w in dict.fromkeys(tokens(summary)) if len(w) > 1]
        out = LegalPanel("", suggest(session, summary, limit=LEGAL_SUGGESTED), words)
    if not out.hits and not session.scalar(select(func.count(LawRow.id))):
        return LegalPanel(out.query, [], out.terms, error=out.error, no_laws=True)
    return out


def _similar(hit: dict[str, Any], category: str | None) -> SimilarMatter:
    handling = hit["handling"]
    notes = [
        (ACTION_ZH[Action(h["action"])], h["reason"])
        for h in handling
        if h["reason"]
        and h["action"] not in BOOKKEEPING
        and h["reason"] != ACTION_ZH[Action(h["action"])]
    ]
    replies = [h["reason"] for h in handling if h["action"] in OUTCOME_ACTIONS and h["reason"]]
    done = bool(hit["outcome"])
    return SimilarMatter(
        matter_id=hit["matter_id"],
        summary=hit["summary"],
        category=category,
        status_label=STATUS_ZH[Status(hit["status"])],
        registered_at=datetime.fromisoformat(hit["registered_at"]),
        steps=[ACTION_ZH[Action(h["action"])] for h in handling if h["action"] not in BOOKKEEPING],
        notes=notes[-NOTES_SHOWN:],
        outcome=(replies[-1] if replies else hit["outcome"]) if done else "",
        done=done,
    )


def _categories(session: Session, ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(MatterTagRow.matter_id, MatterTagRow.category).where(MatterTagRow.matter_id.in_(ids))
    )
    return {mid: cat for mid, cat in rows}


def due_on(iso: str) -> date:
    """A task's deadline as the Beijing date the leader sees and edits."""
    return datetime.fromisoformat(iso).astimezone(LOCAL).date()


def _plans(
    session: Session, matter_id: str, names: dict[str, str], now: datetime
) -> list[dict[str, Any]]:
    out = []
    for p in plans.for_matter(session, matter_id, now=now):
        for t in p["tasks"]:
            t["due_on"] = due_on(t["due_at"])
            t["overdue"] = t["status"] != "done" and datetime.fromisoformat(t["due_at"]) < now
            t["organ_name"] = names.get(t["organ_id"] or "") or (
                "本院" if t["organ_kind"] == "procuratorate" else "（未指定单位）"
            )
            t["organ_value"] = t["organ_id"] or f"@{t['organ_kind']}"
            t["kind_zh"] = KIND_ZH.get(t["organ_kind"], t["organ_kind"])
        p["status_zh"] = STATUS_PLAN_ZH.get(p["status"], p["status"])
        p["sent"] = datetime.fromisoformat(p["sent_at"]) if p["sent_at"] else None
        p["editable"] = p["status"] != "done"
        out.append(p)
    return out


def organ_options(organs: list[OrganRow]) -> list[OrganOption]:
    """What a plan task may be assigned to: our own staff, or an active organ."""
    opts = [OrganOption(PROCURATORATE, "本院（承办检察官等）")]
    opts += [
        OrganOption(o.id, f"{o.name}（{KIND_ZH.get(o.kind, o.kind)}）") for o in organs if o.active
    ]
    return opts


def assemble(
    session: Session,
    *,
    matter_id: str,
    risk_level: str,
    now: datetime,
    scope: SiteScope,
    legal_query: str = "",
    planner: bool = False,
) -> Side:
    """Everything beside the matter. ``risk_level``: as assessed now (the page shows
    it); ``planner``: the viewer may draft and edit plans (adds the organs a task may
    go to); ``scope``: the reader's (the page checked it already)."""
    row = session.get_one(MatterRow, matter_id)
    summary = row.summary
    similar = similar_matters(session, text=summary, k=SIMILAR, exclude=matter_id)
    cats = _categories(session, [matter_id, *(h["matter_id"] for h in similar)])
    organs = list(session.scalars(select(OrganRow).order_by(OrganRow.kind, OrganRow.id)))
    names = {o.id: o.name for o in organs}
    kinds = {o.id: o.kind for o in organs}
    shares = [
        {
            "organ_id": s.organ_id,
            "name": names.get(s.organ_id, s.organ_id),
            "kind_zh": KIND_ZH.get(kinds.get(s.organ_id, ""), ""),
            "by": s.shared_by,
            "at": s.shared_at,
            "reason": s.reason,
        }
        for s in session.scalars(
            select(MatterShare)
            .where(MatterShare.matter_id == matter_id)
            .order_by(MatterShare.shared_at)
        )
    ]
    contributions = [
        c | {"at": datetime.fromisoformat(c["at"])}
        for c in sharing.contributions(session, matter_id, scope=scope)
    ]
    advised = []
    if "high" in (risk_level, row.risk_level):  # as assessed, or as stated at the desk
        why = row.risk_reason if row.risk_level == "high" and row.risk_reason else ""
        advised.append(f"高风险事项（{why}）" if why else "高风险事项")
    if len(shares) >= 2:
        advised.append(f"已涉及 {len(shares)} 个单位")
    return Side(
        legal=legal_panel(session, summary, legal_query),
        similar=[_similar(h, cats.get(h["matter_id"])) for h in similar],
        category=cats.get(matter_id),
        plans=_plans(session, matter_id, names, now),
        shares=shares,
        contributions=contributions,
        warnings=sum(1 for c in contributions if c["kind"] == "warning"),
        organ_options=organ_options(organs) if planner else [],
        plan_advised="、".join(advised),
    )
