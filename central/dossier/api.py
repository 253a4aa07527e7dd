"""/api/receptions and /api/persons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, status

from central.deps import ActorDep, SessionDep, SettingsDep

from . import service
from .schemas import ReceptionDetail, ReceptionSummary, Timeline

receptions = APIRouter(prefix="/api/receptions", tags=["receptions"])
persons = APIRouter(prefix="/api/persons", tags=["persons"])


@receptions.get("", response_model=list[ReceptionSummary])
def list_receptions(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ReceptionSummary]:
    return service.recent_receptions(session, limit=limit)


@receptions.get("/{reception_id}", response_model=ReceptionDetail)
def get_reception(reception_id: str, session: SessionDep) -> ReceptionDetail:
    try:
        return service.get_reception(session, reception_id=reception_id)
    except service.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e


@persons.get("/{person_id}/timeline", response_model=Timeline)
def person_timeline(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    x_reason: Annotated[str | None, Header()] = None,
    reason: str | None = None,
) -> Timeline:
    try:
        timeline = service.person_timeline(
            session,
            person_id=person_id,
            actor=actor,
            reason=reason or x_reason or "",
            client=request.client.host if request.client else None,
            enc_key=settings.id_enc_key_bytes,
        )
    except service.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    session.commit()  # the audit row
    return timeline
