"""``/api/hearings``: registry, scheduling, .ics, draws (commit, reveal, abandon),
outcome; the dossier's view. The public router also serves the notice page
(``notice.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from central.access.gates import LEAD, PUBLIC, WORK, Reader, Worker
from central.access.scope import SiteScope
from central.deps import SessionDep
from central.evidence.log import EvidenceLog
from central.openapi import file_answer

from . import draws, notice, service
from .clock import now
from .ics import invitation
from .models import ParticipantRow, RegistryPerson

Text200 = Annotated[str, Field(max_length=200)]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    category: str = Field(
        description="npc_deputy / cppcc_member / lawyer / legal_aid / community_rep / other"
    )
    organisation: Text200 = Field(default="", description="单位")
    region: str = Field(default="", max_length=100, description="地区")
    contact: Text200 = Field(default="", description="电话或邮箱")


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(
        min_length=3, max_length=200, description="person:<id> / matter:<id> / org:<单位>"
    )
    note: str = Field(default="", max_length=500, description="说明")


class HearingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matter_id: str = Field(min_length=1, max_length=36, description="事项编号")
    title: str = Field(min_length=1, max_length=200, description="听证名称")
    mode: Literal["in_person", "online"] = Field(description="现场 / 网上")
    starts_at: datetime = Field(description="开始时间（带时区）")
    ends_at: datetime = Field(description="结束时间（带时区）")
    location: Text200 = Field(default="", description="现场听证地点")
    meeting_url: str = Field(default="", max_length=500, description="网上听证会议链接（如钉钉）")


class BeaconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=100, description="drand:quicknet")
    round: int = Field(
        ge=1,
        lt=2**63,
        description="a round published at least a minute after the commit and before the "
        "hearing starts",
    )


Seats = Annotated[int, Field(ge=0, le=100)]


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    panel_size: int | None = Field(default=None, ge=1, le=100, description="听证员人数")
    features: dict[str, dict[str, tuple[Seats, Seats]]] | None = Field(
        default=None,
        description="名额：特征（category 类别 / region 地区）→ 取值 → [下限, 上限]；"
        "未列出的取值不限",
    )
    quotas: dict[str, Annotated[int, Field(ge=1, le=20)]] | None = Field(
        default=None,
        description="旧格式：类别 → 人数（等于 panel_size 为人数之和、各类别恰好该人数）",
    )
    seed_sha256: str | None = Field(
        default=None,
        description="SHA-256 (hex) of a seed someone else holds; only together with a beacon",
    )
    beacon: BeaconIn | None = Field(default=None, description="公共信标轮次")
    recent_days: int = Field(default=180, ge=0, le=3650, description="近期已参加听证者回避的天数")
    conflict_subjects: list[Text200] = Field(
        default=[], description="额外的回避对象，如 org:某单位"
    )
    hold_seed: bool = Field(
        default=False,
        description="由本系统生成并保管种子（只公布其哈希，公布结果时公开种子）；"
        "与 seed_sha256 二选一",
    )


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: str | None = Field(default=None, max_length=128, description="种子（十六进制）")
    beacon_signature: str | None = Field(
        default=None,
        max_length=200,
        description="信标该轮的签名（十六进制，drand 公布的 signature 字段）；"
        "本系统核验签名并由它得出该轮的随机数",
    )


class AbandonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="放弃理由")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: str = Field(min_length=1, max_length=20000, description="听证记录")
    outcome: str = Field(min_length=1, max_length=4000, description="听证结论")
    petitioner_accepts: bool | None = Field(description="信访人是否接受")
    attended: list[str] = Field(default=[], description="到场听证员的名册编号")
    others: list[tuple[Literal["petitioner", "organ", "witness", "other"], Text200]] = Field(
        default=[], description="其他参加人 (角色, 姓名)"
    )


def _log(request: Request) -> EvidenceLog:
    log: EvidenceLog = request.app.state.evidence.log
    return log


def _run(fn: Any, *a: Any, **kw: Any) -> Any:
    try:
        return fn(*a, **kw)
    except service.HearingError as e:
        raise HTTPException(e.status, str(e)) from e


router = APIRouter(prefix="/api/hearings", tags=["hearings"])  # staff
public = APIRouter(tags=["hearings"])  # anyone: the published record, the notice page


@router.post("/registry", status_code=201, dependencies=[Depends(LEAD)])
def add_person(body: PersonIn, session: SessionDep) -> dict[str, Any]:
    p = _run(service.add_person, session, **body.model_dump())
    session.commit()
    return {"id": p.id, "name": p.name, "category": p.category}


@router.get("/registry", dependencies=[Depends(WORK)])
def registry(session: SessionDep) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "name": p.name,
            "category": p.category,
            "category_zh": service.CATEGORIES[p.category],
            "organisation": p.organisation,
            "region": p.region,
            "active": p.active,
        }
        for p in session.scalars(
            select(RegistryPerson).order_by(RegistryPerson.category, RegistryPerson.name)
        )
    ]


@router.post("/registry/{person_id}/conflicts", status_code=201, dependencies=[Depends(LEAD)])
def add_conflict(person_id: str, body: ConflictIn, session: SessionDep) -> dict[str, Any]:
    c = _run(
        service.add_conflict, session, person_id=person_id, subject=body.subject, note=body.note
    )
    session.commit()
    return {"id": c.id, "subject": c.subject}


@router.post("", status_code=201)
def schedule(body: HearingIn, session: SessionDep, acc: Worker) -> dict[str, Any]:
    for t in (body.starts_at, body.ends_at):
        if t.tzinfo is None:
            raise HTTPException(422, "时间须带时区，如 2026-12-01T09:00:00+08:00")
    service.guard(session, SiteScope.of(acc), matter_id=body.matter_id, write=True)
    h = _run(service.schedule, session, actor=acc.actor, **body.model_dump())
    session.commit()
    return {"id": h.id, "status": h.status}


@router.get(
    "/{hearing_id}/invite.ics", response_class=Response,
    responses=file_answer("text/calendar", description="the invitation (iCalendar)"),
)  # fmt: skip
def ics(hearing_id: str, session: SessionDep, acc: Worker, reason: str = "") -> Response:
    scope = SiteScope.of(acc, reason=reason)
    service.guard(session, scope, hearing_id=hearing_id, write=False)
    h = _run(service.get_hearing, session, hearing_id)
    rows = session.execute(
        select(RegistryPerson.name, RegistryPerson.contact)
        .join(ParticipantRow, ParticipantRow.registry_id == RegistryPerson.id)
        .where(ParticipantRow.hearing_id == h.id)
    ).all()
    people = [(n, c) for n, c in rows if "@" in c]
    return Response(
        invitation(h, attendees=people),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hearing-{h.id}.ics"'},
    )


@router.post("/{hearing_id}/draws", status_code=201)
def commit(
    hearing_id: str, body: DrawIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), hearing_id=hearing_id, write=True)
    row = _run(
        draws.commit_draw,
        session,
        _log(request),
        hearing_id=hearing_id,
        now=now(request),
        quotas=body.quotas,
        panel_size=body.panel_size,
        features=body.features,
        seed_sha256=body.seed_sha256,
        beacon=body.beacon.model_dump() if body.beacon else None,
        recent_days=body.recent_days,
        extra_subjects=body.conflict_subjects,
        hold_seed=body.hold_seed,
    )
    session.commit()
    lottery = row.commit_record["lottery"]
    return {
        "id": row.id,
        "commitment": row.commitment,
        "leaf_index": row.leaf_index,
        "min_chance": lottery["min_chance"] / lottery["denominator"],
        "commit_record": row.commit_record,
    }


@router.post("/draws/{draw_id}/reveal")
def reveal(
    draw_id: str, body: RevealIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), draw_id=draw_id, write=True)
    row = _run(
        draws.reveal_draw,
        session,
        draw_id=draw_id,
        seed=body.seed,
        beacon_signature=body.beacon_signature,
        now=now(request),
    )
    session.commit()
    return {"id": row.id, "selected": row.selected, "beacon_value": row.beacon_value}


@router.post("/draws/{draw_id}/abandon")
def abandon(
    draw_id: str, body: AbandonIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    """Give up an open commitment (audited, with the reason): the published record of
    the hearing's draw lists it; a new draw may then be committed."""
    from central.audit import service as audit

    service.guard(session, SiteScope.of(acc), draw_id=draw_id, write=True)
    row = _run(
        draws.abandon_draw,
        session,
        draw_id=draw_id,
        reason=body.reason,
        actor=acc.display_name or acc.username,
        now=now(request),
    )
    audit.record(
        session,
        actor=acc.actor,
        action="hearing.draw.abandon",
        target=f"hearing_draw:{row.id}",
        reason=body.reason,
        client=request.client.host if request.client else None,
    )
    session.commit()
    return {"id": row.id, "status": row.status, "commitment": row.commitment}


@public.get("/api/hearings/draws/{draw_id}/record", dependencies=[Depends(PUBLIC)])
def record(draw_id: str, request: Request, session: SessionDep) -> dict[str, Any]:
    """The published record for ``zhifang hearings verify-draw``."""
    out: dict[str, Any] = _run(draws.published, session, _log(request), draw_id)
    return out


public.include_router(notice.router)


@router.post("/{hearing_id}/outcome")
def outcome(
    hearing_id: str, body: OutcomeIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), hearing_id=hearing_id, write=True)
    h = _run(
        service.record_outcome,
        session,
        hearing_id=hearing_id,
        now=now(request),
        record=body.record,
        outcome=body.outcome,
        petitioner_accepts=body.petitioner_accepts,
        others=body.others,
        attended=body.attended,
    )
    session.commit()
    return {"id": h.id, "status": h.status}


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="取消理由")


@router.post("/{hearing_id}/cancel")
def cancel(hearing_id: str, body: CancelIn, session: SessionDep, acc: Worker) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), hearing_id=hearing_id, write=True)
    h = _run(service.cancel, session, hearing_id=hearing_id, reason=body.reason, actor=acc.actor)
    session.commit()
    return {"id": h.id, "status": h.status}


@router.get("/by-matter/{matter_id}")
def for_matter(
    matter_id: str, session: SessionDep, acc: Reader, reason: str = ""
) -> list[dict[str, Any]]:
    scope = SiteScope.of(acc, reason=reason)
    service.guard(session, scope, matter_id=matter_id, write=False)
    return service.dossier_rows(session, matter_id)


def make_console_router() -> APIRouter:
    """The console's hearing pages and forms (``central.hearings.console``), among them
    ``/console/hearings/panel?matter_id=…``: the fragment the matter page shows."""
    from .console import make_router

    return make_router()
