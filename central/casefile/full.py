"""The whole dossier of one person (专人专档), newest first, audited.

Receptions with their steps, rating, risk and recording (with its verification state
from ``central.evidence.service.reception_status``), the matters the person is on with
every transition (replies included), leaders' reviews and supervision, merges.
Hearings (``central.hearings``) are included when that domain is installed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.dossier.models import Person, PersonMerge, Reception
from central.dossier.schemas import PersonPublic, ReceptionDetail
from central.workflow.scope import person_sites

from .service import NotFound, _detail, person_public

ENTRY_LIMIT = 500  # a dossier page shows the newest entries; older ones via the API


class Entry(BaseModel):
    at: datetime | None
    kind: str = Field(description="reception / step / rating / recording / matter / review ...")
    title: str
    detail: str = ""
    reception_id: str | None = None
    matter_id: str | None = None


class MatterBrief(BaseModel):
    id: str
    ref_no: str | None = Field(default=None, description="文号")
    status: str
    summary: str
    officer_id: str
    registered_at: datetime
    risk_level: str | None
    risk_reason: str | None
    role: str | None
    open: bool = Field(description="not yet archived: a new visit can be linked to it")


class ReceptionFull(ReceptionDetail):
    matter_ids: list[str] = Field(default_factory=list)
    recording: dict[str, Any] | None = Field(default=None, description="reception_status()")
    review: dict[str, Any] | None = None


class Dossier(BaseModel):
    person: PersonPublic
    merged_from: list[dict[str, Any]]
    receptions: list[ReceptionFull]
    matters: list[MatterBrief]
    entries: list[Entry] = Field(description="everything, newest first")


def _step_zh(step: str) -> str:
    from central.workflow.states import ACTION_ZH, Action

    try:
        return ACTION_ZH[Action(step)]
    except (ValueError, KeyError):
        return step


def _hearings(session: Session, matter_ids: list[str]) -> list[Entry]:
    """Hearings on the person's matters, when the hearings domain is installed."""
    try:
        from central.hearings.models import HearingRow
    except ImportError:
        return []
    out = []
    status_zh = {"scheduled": "已安排", "held": "已举行", "cancelled": "已取消"}
    for h in session.scalars(select(HearingRow).where(HearingRow.matter_id.in_(matter_ids))):
        accepts = ""
        if h.petitioner_accepts is not None:
            accepts = "信访人接受结论" if h.petitioner_accepts else "信访人不接受结论"
        detail = "；".join(x for x in (h.outcome, accepts) if x)
        title = f"听证（{status_zh.get(h.status, h.status)}）：{h.title}"
        out.append(
            Entry(
                at=h.held_at or h.starts_at,
                kind="hearing",
                title=title,
                detail=detail,
                matter_id=h.matter_id,
            )
        )
    return out


def _officer_names(session: Session) -> Any:
    """An officer's display name for the timeline's titles (an id central has no account
    for — a desk's own roster — reads as 工号 …; a box as its desk)."""
    from central.accounts.models import Account

    names = {u: n for u, n in session.execute(select(Account.username, Account.display_name))}

    def who(actor: str | None) -> str:
        if not actor:
            return "—"
        if actor.startswith("device:"):
            return f"接访终端 {actor.removeprefix('device:').split('/')[0]}"
        return names.get(actor) or f"工号 {actor}"

    return who


def _key(e: Entry) -> tuple[int, datetime]:
    return (e.at is not None, e.at or datetime.min)


def full_dossier(
    session: Session,
    *,
    person_id: str,
    scope: SiteScope,
    client: str | None,
    enc_key: bytes,
    evidence: Any = None,
    default_reason: str = "",
) -> Dossier:
    """Audited like every dossier read (the caller commits). Another site's person
    only with ``scope``'s stated reason (``SiteScope.read``)."""
    from central.evidence.models import Leaf
    from central.workflow.models import (
        MatterPersonRow,
        MatterRow,
        MatterVisitRow,
        ReviewRow,
        SupervisionRow,
        TransitionRow,
    )
    from central.workflow.states import ACTION_ZH, STATUS_ZH, Action, Status

    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"没有编号为 {person_id} 的当事人")
    cross = scope.read(person_sites(session, person_id), what="该当事人的档案")
    audit.record(
        session,
        actor=scope.actor,
        action="person.dossier.read",
        target=f"person:{person_id}",
        reason=scope.audit_reason(cross, default_reason),
        client=client,
    )
    receptions = session.scalars(
        select(Reception)
        .where(Reception.person_id == person_id)
        .options(selectinload(Reception.steps))
        .order_by(Reception.started_at.desc().nulls_last())
    ).all()
    rids = [r.id for r in receptions]
    # the person's matters, as petitioner or as one of a group: two indexed look-ups
    # (an OR across the two would make PostgreSQL scan every matter)
    roles: dict[str, str | None] = dict(
        session.execute(
            select(MatterPersonRow.matter_id, MatterPersonRow.role).where(
                MatterPersonRow.person_id == person_id
            )
        ).all()
    )
    own = set(session.scalars(select(MatterRow.id).where(MatterRow.person_id == person_id)))
    wanted = own | set(roles)
    matters = (
        session.scalars(
            select(MatterRow)
            .where(MatterRow.id.in_(wanted))
            .order_by(MatterRow.registered_at.desc())
        ).all()
        if wanted
        else []
    )
    mids = [m.id for m in matters]
    visit_map: dict[str, list[str]] = defaultdict(list)
    reviews: dict[str, ReviewRow] = {}
    recorded: set[str] = set()
    if rids:
        for mid, rid in session.execute(
            select(MatterVisitRow.matter_id, MatterVisitRow.reception_id).where(
                MatterVisitRow.reception_id.in_(rids)
            )
        ):
            visit_map[rid].append(mid)
        reviews = {
            r.reception_id: r
            for r in session.scalars(select(ReviewRow).where(ReviewRow.reception_id.in_(rids)))
        }
        recorded = set(
            session.scalars(select(Leaf.reception_id).where(Leaf.reception_id.in_(rids)).distinct())
        )
    who = _officer_names(session)
    entries: list[Entry] = []
    out_receptions: list[ReceptionFull] = []
    for r in receptions:
        rec = None
        if r.id in recorded and evidence is not None:
            from central.evidence.service import reception_status

            rec = reception_status(session, evidence, r.id)
        rv = reviews.get(r.id)
        full = ReceptionFull(
            **_detail(r, person).model_dump(),
            matter_ids=visit_map.get(r.id, []),
            recording=rec,
            review=(
                {
                    "leader": rv.leader,
                    "at": rv.at,
                    "findings": rv.findings,
                    "accountability": rv.accountability,
                }
                if rv
                else None
            ),
        )
        out_receptions.append(full)
        kind = {"leader": "领导接访", "group": "集体访", "online": "网上信访"}.get(
            r.kind or "", "来访"
        )
        entries.append(
            Entry(
                at=r.started_at,
                kind="reception",
                title=f"{kind}（接访人员 {who(r.officer_id)}）",
                detail=f"风险：{r.risk_reason}" if r.risk_level else "",
                reception_id=r.id,
            )
        )
        for st in r.steps:
            entries.append(
                Entry(
                    at=st.at,
                    kind="step",
                    title=f"现场环节：{_step_zh(st.step)}",
                    detail=st.note,
                    reception_id=r.id,
                    matter_id=None,
                )
            )
        if r.rating:
            label = {
                "satisfied": "满意",
                "basically_satisfied": "基本满意",
                "dissatisfied": "不满意",
            }.get(r.rating, r.rating)
            entries.append(
                Entry(at=r.rated_at, kind="rating", title=f"评价：{label}", reception_id=r.id)
            )
        if rec is not None:
            state = "已核验" if rec["verified"] else "；".join(rec["problems"]) or "未核验"
            entries.append(
                Entry(
                    at=r.ended_at or r.started_at,
                    kind="recording",
                    title=f"录音录像 {len(rec['segments'])} 段",
                    detail=state,
                    reception_id=r.id,
                )
            )
        if rv is not None:
            entries.append(
                Entry(
                    at=rv.at,
                    kind="review",
                    title=f"领导复核评价（{rv.leader}）",
                    detail=rv.findings,
                    reception_id=r.id,
                )
            )
    if mids:
        for t in session.scalars(
            select(TransitionRow)
            .where(TransitionRow.matter_id.in_(mids))
            .order_by(TransitionRow.seq)
        ):
            label = ACTION_ZH.get(Action(t.action), t.action)
            kind = "reply" if t.action == "reply" else "matter"
            entries.append(
                Entry(
                    at=t.at,
                    kind=kind,
                    title=f"事项{label}（{who(t.actor)}）",
                    detail=t.reason,
                    matter_id=t.matter_id,
                )
            )
        for sv in session.scalars(select(SupervisionRow).where(SupervisionRow.matter_id.in_(mids))):
            entries.append(
                Entry(
                    at=sv.opened_at,
                    kind="supervision",
                    title=f"领导督办（{sv.leader}）",
                    detail=sv.note,
                    matter_id=sv.matter_id,
                )
            )
    if mids:
        entries.extend(_hearings(session, mids))
    merged = session.scalars(
        select(PersonMerge)
        .where(PersonMerge.survivor_id == person_id)
        .order_by(PersonMerge.at.desc())
    ).all()
    for mg in merged:
        entries.append(
            Entry(at=mg.at, kind="merge", title=f"合并重复档案（{mg.actor}）", detail=mg.reason)
        )
    entries.sort(key=_key, reverse=True)
    return Dossier(
        person=person_public(person, enc_key=enc_key),
        merged_from=[
            {
                "id": mg.id,
                "merged_id": mg.merged_id,
                "actor": mg.actor,
                "at": mg.at,
                "reason": mg.reason,
                "undone_at": mg.undone_at,
            }
            for mg in merged
        ],
        receptions=out_receptions,
        matters=[
            MatterBrief(
                id=m.id,
                ref_no=m.ref_no,
                status=STATUS_ZH.get(Status(m.status), m.status),
                summary=m.summary,
                officer_id=m.officer_id,
                registered_at=m.registered_at,
                risk_level=m.risk_level,
                risk_reason=m.risk_reason,
                role=roles.get(m.id),
                open=m.status != Status.archived.value,
            )
            for m in matters
        ],
        entries=entries[:ENTRY_LIMIT],
    )


def read_dossier(
    session: Session,
    *,
    person_id: str,
    scope: SiteScope,
    client: str | None,
    enc_key: bytes,
    evidence: Any = None,
    default_reason: str = "",
) -> Dossier:
    """``full_dossier`` as a request of its own (the API's, a desk's): its audit rows
    committed. The console's page and the PDF export compose ``full_dossier``."""
    with unit_of_work(session):
        return full_dossier(
            session, person_id=person_id, scope=scope, client=client, enc_key=enc_key,
            evidence=evidence, default_reason=default_reason,
        )  # fmt: skip
