"""/api/receptions and /api/persons."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, status

from central.deps import ActorDep, SessionDep, SettingsDep

from . import people, service
from .full import Dossier, full_dossier
from .merge import MergeRefused, merge_persons, undo_merge
from .schemas import (
    Candidate,
    MergeCreate,
    MergePublic,
    MergeUndo,
    PersonHit,
    ReceptionDetail,
    ReceptionSummary,
    Timeline,
)

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


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@persons.get("", response_model=list[PersonHit])
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PersonHit]:
    hits = people.search(
        session,
        q=q,
        hash_key=settings.id_hash_key_bytes,
        limit=limit,
        actor=actor,
        client=_client(request),
    )
    session.commit()  # the audit row
    return hits


@persons.get("/{person_id}/dossier", response_model=Dossier)
def dossier(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    x_reason: Annotated[str | None, Header()] = None,
    reason: str | None = None,
) -> Dossier:
    try:
        d = full_dossier(
            session,
            person_id=person_id,
            actor=actor,
            reason=reason or x_reason or "",
            client=_client(request),
            enc_key=settings.id_enc_key_bytes,
            evidence=getattr(request.app.state, "evidence", None),
        )
    except service.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    session.commit()
    return d


@persons.get("/{person_id}/duplicates", response_model=list[Candidate])
def duplicates(person_id: str, session: SessionDep, settings: SettingsDep) -> list[Candidate]:
    try:
        return people.duplicates(session, person_id=person_id, hash_key=settings.id_hash_key_bytes)
    except service.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e


@persons.post("/{person_id}/merge", response_model=MergePublic, status_code=201)
def merge(person_id: str, body: MergeCreate, session: SessionDep, actor: ActorDep) -> MergePublic:
    try:
        row = merge_persons(
            session,
            survivor_id=person_id,
            merged_id=body.duplicate_id,
            actor=actor,
            reason=body.reason,
        )
        out = MergePublic.model_validate(row)
        session.commit()
    except MergeRefused as e:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
    return out


@persons.post("/merges/{merge_id}/undo", response_model=MergePublic)
def undo(merge_id: int, body: MergeUndo, session: SessionDep, actor: ActorDep) -> MergePublic:
    try:
        row = undo_merge(session, merge_id=merge_id, actor=actor, reason=body.reason)
        out = MergePublic.model_validate(row)
        session.commit()
    except MergeRefused as e:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
    return out
