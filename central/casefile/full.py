"""The whole dossier of one person (专人专档), newest first, audited.

Receptions with their steps, rating, risk and recording (with its verification state
from ``central.evidence.service.reception_status``), the matters the person is on with
every transition (replies included), leaders' reviews and supervision, merges.
Hearings (``central.hearings``) on those matters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.database import unit_of_work
from central.dossier.models import Person, PersonMerge, Reception
from central.dossier.schemas import PersonPublic, ReceptionDetail
from central.evidence.models import Leaf
from central.evidence.service import reception_status
from central.hearings.models import HearingRow
from central.labels import HEARING_STATUS_ZH, RATING_ZH, TIMELINE_KIND_ZH
from central.workflow.models import (
    MatterPersonRow,
    MatterRow,
    MatterVisitRow,
    ReviewRow,
    SupervisionRow,
    TransitionRow,
)
from central.workflow.scope import person_sites
from central.workflow.states import ACTION_ZH, STATUS_ZH, Action, Status

from .service import NotFound, _detail, person_public

ENTRY_LIMIT = 500  # a dossier page shows the newest entries; older ones via the API
# a reception's kind in the timeline's titles (any other kind reads as 来访)
RECEPTION_KIND_ZH = TIMELINE_KIND_ZH  # (central.labels)


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
    try:
        return ACTION_ZH[Action(step)]
    except (ValueError, KeyError):
        return step


def _hearings(session: Session, matter_ids: list[str]) -> list[Entry]:
    """Hearings on the person's matters."""
    out = []
    for h in session.scalars(select(HearingRow).where(HearingRow.matter_id.in_(matter_ids))):
        accepts = ""
        if h.petitioner_accepts is not None:
            accepts = "信访人接受结论" if h.petitioner_accepts else "信访人不接受结论"
        detail = "；".join(x for x in (h.outcome, accepts) if x)
        title = f"听证（{HEARING_STATUS_ZH.get(h.status, h.status)}）：{h.title}"
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


def _officer_names(session: Session) -> Callable[[str | None], str]:
    """An officer's display name for the timeline's titles (an id central has no account
    for — a desk's own roster — reads as 工号 …; a box as its desk)."""
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


@dataclass(frozen=True)
class _Visits:
    """What hangs off the person's receptions: their matters, leaders' reviews, and
    which have recordings."""

    matters_of: dict[str, list[str]]
    reviews: dict[str, ReviewRow]
    recorded: set[str | None]


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
    person = _read_person(
        session, person_id=person_id, scope=scope, client=client, default_reason=default_reason
    )
    receptions = _receptions(session, person_id)
    matters, roles = _matters(session, person_id)
    mids = [m.id for m in matters]
    visits = _visits(session, [r.id for r in receptions])
    who = _officer_names(session)
    entries: list[Entry] = []
    out_receptions: list[ReceptionFull] = []
    for r in receptions:
        full = _reception_full(session, r, person, visits, evidence)
        out_receptions.append(full)
        entries += _reception_entries(r, full, who)
    if mids:
        entries += _matter_entries(session, mids, who)
        entries += _supervision_entries(session, mids)
        entries += _hearings(session, mids)
    merged = _merges(session, person_id)
    entries += [_merge_entry(mg) for mg in merged]
    entries.sort(key=_key, reverse=True)
    return Dossier(
        person=person_public(person, enc_key=enc_key),
        merged_from=[_merged_from(mg) for mg in merged],
        receptions=out_receptions,
        matters=[_matter_brief(m, roles.get(m.id)) for m in matters],
        entries=entries[:ENTRY_LIMIT],
    )


# --- reading the records -------------------------------------------------------------


def _read_person(
    session: Session, *, person_id: str, scope: SiteScope, client: str | None, default_reason: str
) -> Person:
    """The person, once ``scope`` admits the read, and the read audited."""
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
    return person


def _receptions(session: Session, person_id: str) -> Sequence[Reception]:
    return session.scalars(
        select(Reception)
        .where(Reception.person_id == person_id)
        .options(selectinload(Reception.steps))
        .order_by(Reception.started_at.desc().nulls_last())
    ).all()


def _matters(session: Session, person_id: str) -> tuple[Sequence[MatterRow], dict[str, str | None]]:
    """The person's matters, newest first, and their role on each (None: petitioner).
    As petitioner or as one of a group: two indexed look-ups (an OR across the two
    would make PostgreSQL scan every matter)."""
    roles: dict[str, str | None] = dict(
        session.execute(
            select(MatterPersonRow.matter_id, MatterPersonRow.role).where(
                MatterPersonRow.person_id == person_id
            )
        ).all()
    )
    own = set(session.scalars(select(MatterRow.id).where(MatterRow.person_id == person_id)))
    wanted = own | set(roles)
    if not wanted:
        return [], roles
    matters = session.scalars(
        select(MatterRow).where(MatterRow.id.in_(wanted)).order_by(MatterRow.registered_at.desc())
    ).all()
    return matters, roles


def _visits(session: Session, rids: list[str]) -> _Visits:
    if not rids:
        return _Visits({}, {}, set())
    matters_of: dict[str, list[str]] = defaultdict(list)
    for mid, rid in session.execute(
        select(MatterVisitRow.matter_id, MatterVisitRow.reception_id).where(
            MatterVisitRow.reception_id.in_(rids)
        )
    ):
        matters_of[rid].append(mid)
    reviews = {
        r.reception_id: r
        for r in session.scalars(select(ReviewRow).where(ReviewRow.reception_id.in_(rids)))
    }
    recorded = set(
        session.scalars(select(Leaf.reception_id).where(Leaf.reception_id.in_(rids)).distinct())
    )
    return _Visits(matters_of, reviews, recorded)


def _merges(session: Session, person_id: str) -> Sequence[PersonMerge]:
    return session.scalars(
        select(PersonMerge)
        .where(PersonMerge.survivor_id == person_id)
        .order_by(PersonMerge.at.desc())
    ).all()


# --- the receptions --------------------------------------------------------------------


def _reception_full(
    session: Session, r: Reception, person: Person, visits: _Visits, evidence: Any
) -> ReceptionFull:
    """A reception with its matters, its recording's verification and its review."""
    rec = None
    if r.id in visits.recorded and evidence is not None:
        rec = reception_status(session, evidence, r.id)
    rv = visits.reviews.get(r.id)
    return ReceptionFull(
        **_detail(r, person).model_dump(),
        matter_ids=visits.matters_of.get(r.id, []),
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


def _reception_entries(
    r: Reception, full: ReceptionFull, who: Callable[[str | None], str]
) -> list[Entry]:
    """The reception, its steps on site, its rating, recording and review."""
    kind = RECEPTION_KIND_ZH.get(r.kind or "", "来访")
    out = [
        Entry(
            at=r.started_at,
            kind="reception",
            title=f"{kind}（接访人员 {who(r.officer_id)}）",
            detail=f"风险：{r.risk_reason}" if r.risk_level else "",
            reception_id=r.id,
        )
    ]
    out += [
        Entry(
            at=st.at,
            kind="step",
            title=f"现场环节：{_step_zh(st.step)}",
            detail=st.note,
            reception_id=r.id,
            matter_id=None,
        )
        for st in r.steps
    ]
    if r.rating:
        label = RATING_ZH.get(r.rating, r.rating)
        out.append(Entry(at=r.rated_at, kind="rating", title=f"评价：{label}", reception_id=r.id))
    if full.recording is not None:
        out.append(_recording_entry(r, full.recording))
    if full.review is not None:
        out.append(_review_entry(r, full.review))
    return out


def _recording_entry(r: Reception, rec: dict[str, Any]) -> Entry:
    """The recording's segments and whether their evidence verifies."""
    state = "已核验" if rec["verified"] else "；".join(rec["problems"]) or "未核验"
    return Entry(
        at=r.ended_at or r.started_at,
        kind="recording",
        title=f"录音录像 {len(rec['segments'])} 段",
        detail=state,
        reception_id=r.id,
    )


def _review_entry(r: Reception, review: dict[str, Any]) -> Entry:
    """A leader's review of how the reception was handled."""
    return Entry(
        at=review["at"],
        kind="review",
        title=f"领导复核评价（{review['leader']}）",
        detail=review["findings"],
        reception_id=r.id,
    )


# --- the matters -----------------------------------------------------------------------


def _matter_entries(
    session: Session, mids: list[str], who: Callable[[str | None], str]
) -> list[Entry]:
    """Every transition of the matters, replies included, in their order."""
    out = []
    for t in session.scalars(
        select(TransitionRow).where(TransitionRow.matter_id.in_(mids)).order_by(TransitionRow.seq)
    ):
        label = ACTION_ZH.get(Action(t.action), t.action)
        out.append(
            Entry(
                at=t.at,
                kind="reply" if t.action == "reply" else "matter",
                title=f"事项{label}（{who(t.actor)}）",
                detail=t.reason,
                matter_id=t.matter_id,
            )
        )
    return out


def _supervision_entries(session: Session, mids: list[str]) -> list[Entry]:
    return [
        Entry(
            at=sv.opened_at,
            kind="supervision",
            title=f"领导督办（{sv.leader}）",
            detail=sv.note,
            matter_id=sv.matter_id,
        )
        for sv in session.scalars(select(SupervisionRow).where(SupervisionRow.matter_id.in_(mids)))
    ]


def _matter_brief(m: MatterRow, role: str | None) -> MatterBrief:
    return MatterBrief(
        id=m.id,
        ref_no=m.ref_no,
        status=STATUS_ZH.get(Status(m.status), m.status),
        summary=m.summary,
        officer_id=m.officer_id,
        registered_at=m.registered_at,
        risk_level=m.risk_level,
        risk_reason=m.risk_reason,
        role=role,
        open=m.status != Status.archived.value,
    )


# --- merges ----------------------------------------------------------------------------


def _merge_entry(mg: PersonMerge) -> Entry:
    return Entry(at=mg.at, kind="merge", title=f"合并重复档案（{mg.actor}）", detail=mg.reason)


def _merged_from(mg: PersonMerge) -> dict[str, Any]:
    return {
        "id": mg.id,
        "merged_id": mg.merged_id,
        "actor": mg.actor,
        "at": mg.at,
        "reason": mg.reason,
        "undone_at": mg.undone_at,
    }


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
