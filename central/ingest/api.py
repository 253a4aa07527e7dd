"""/api/quarantine and /api/stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from central.deps import SessionDep

from . import service
from .schemas import QuarantinePublic, Stats

quarantine = APIRouter(prefix="/api/quarantine", tags=["ingest"])
stats = APIRouter(prefix="/api/stats", tags=["stats"])


@quarantine.get("", response_model=list[QuarantinePublic])
def list_quarantine(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    reason: str | None = None,
    device: str | None = None,
) -> list[QuarantinePublic]:
    rows = service.list_quarantine(session, limit=limit, reason=reason, device=device)
    return [QuarantinePublic.model_validate(r) for r in rows]


@stats.get("", response_model=Stats)
def get_stats(session: SessionDep) -> Stats:
    return service.stats(session)
