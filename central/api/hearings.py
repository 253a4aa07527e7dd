"""``/api/hearings``: registry, scheduling, .ics, draws (commit, reveal, abandon),
outcome; the dossier's view. The public router also serves the notice page
(``notice.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from central.access.gates import LEAD, PUBLIC, WORK, Reader, Worker
from central.access.scope import SiteScope
from central.deps import SessionDep
from central.evidence.log import EvidenceLog
from central.hearings import actions, draws, service
from central.hearings.clock import now
from central.hearings.ics import invitation
from central.hearings.schemas import (
    AbandonIn,
    CancelIn,
    ConflictIn,
    DrawIn,
    HearingIn,
    OutcomeIn,
    PersonIn,
    RevealIn,
)
from central.openapi import file_answer


def _log(request: Request) -> EvidenceLog:
    log: EvidenceLog = request.app.state.evidence.log
    return log


router = APIRouter(prefix="/api/hearings", tags=["hearings"])  # staff
public = APIRouter(tags=["hearings"])  # anyone: the published record, the notice page


@router.post("/registry", status_code=201, dependencies=[Depends(LEAD)])
def add_person(body: PersonIn, session: SessionDep) -> dict[str, Any]:
    p = actions.add_to_registry(session, **body.model_dump())
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
        for p in actions.registry(session)
    ]


@router.post("/registry/{person_id}/conflicts", status_code=201, dependencies=[Depends(LEAD)])
def add_conflict(person_id: str, body: ConflictIn, session: SessionDep) -> dict[str, Any]:
    c = actions.record_conflict(session, person_id=person_id, subject=body.subject, note=body.note)
    return {"id": c.id, "subject": c.subject}


@router.post("", status_code=201)
def schedule(body: HearingIn, session: SessionDep, acc: Worker) -> dict[str, Any]:
    h = actions.schedule_hearing(session, scope=SiteScope.of(acc), **body.model_dump())
    return {"id": h.id, "status": h.status}


@router.get(
    "/{hearing_id}/invite.ics", response_class=Response,
    responses=file_answer("text/calendar", description="the invitation (iCalendar)"),
)  # fmt: skip
def ics(hearing_id: str, session: SessionDep, acc: Worker, reason: str = "") -> Response:
    h, people = actions.invitation_for(
        session,
        scope=SiteScope.of(acc, reason=reason),
        hearing_id=hearing_id,
    )
    return Response(
        invitation(h, attendees=people),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="hearing-{h.id}.ics"'},
    )


@router.post("/{hearing_id}/draws", status_code=201)
def commit(
    hearing_id: str, body: DrawIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    row = actions.publish_commitment(
        session,
        _log(request),
        scope=SiteScope.of(acc),
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
    row = actions.reveal_seed(
        session,
        scope=SiteScope.of(acc),
        draw_id=draw_id,
        seed=body.seed,
        beacon_signature=body.beacon_signature,
        now=now(request),
    )
    return {"id": row.id, "selected": row.selected, "beacon_value": row.beacon_value}


@router.post("/draws/{draw_id}/abandon")
def abandon(
    draw_id: str, body: AbandonIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    """Give up an open commitment (audited, with the reason): the published record of
    the hearing's draw lists it; a new draw may then be committed."""
    row = actions.withdraw_commitment(
        session,
        scope=SiteScope.of(acc),
        draw_id=draw_id,
        reason=body.reason,
        by=acc.display_name or acc.username,
        now=now(request),
        client=request.client.host if request.client else None,
    )
    return {"id": row.id, "status": row.status, "commitment": row.commitment}


@public.get("/api/hearings/draws/{draw_id}/record", dependencies=[Depends(PUBLIC)])
def record(draw_id: str, request: Request, session: SessionDep) -> dict[str, Any]:
    """The published record for ``zhifang hearings verify-draw``."""
    out: dict[str, Any] = draws.published(session, _log(request), draw_id)
    return out


@router.post("/{hearing_id}/outcome")
def outcome(
    hearing_id: str, body: OutcomeIn, request: Request, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    h = actions.close_with_outcome(
        session,
        scope=SiteScope.of(acc),
        hearing_id=hearing_id,
        now=now(request),
        record=body.record,
        outcome=body.outcome,
        petitioner_accepts=body.petitioner_accepts,
        others=body.others,
        attended=body.attended,
    )
    return {"id": h.id, "status": h.status}


@router.post("/{hearing_id}/cancel")
def cancel(hearing_id: str, body: CancelIn, session: SessionDep, acc: Worker) -> dict[str, Any]:
    h = actions.cancel_hearing(
        session,
        scope=SiteScope.of(acc),
        hearing_id=hearing_id,
        reason=body.reason,
    )
    return {"id": h.id, "status": h.status}


@router.get("/by-matter/{matter_id}")
def for_matter(
    matter_id: str, session: SessionDep, acc: Reader, reason: str = ""
) -> list[dict[str, Any]]:
    scope = SiteScope.of(acc, reason=reason)
    service.guard(session, scope, matter_id=matter_id, write=False)
    return service.dossier_rows(session, matter_id)
