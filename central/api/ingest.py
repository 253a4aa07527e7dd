"""/api/quarantine and /api/stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from central.access.gates import Auditor, Reader
from central.deps import SessionDep, client_address
from central.ingest import service
from central.ingest.schemas import QuarantinePublic, Stats

quarantine = APIRouter(prefix="/api/quarantine", tags=["ingest"])
stats = APIRouter(prefix="/api/stats", tags=["stats"])


@quarantine.get("", response_model=list[QuarantinePublic])
def list_quarantine(
    request: Request,
    session: SessionDep,
    acc: Auditor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    reason: str | None = None,
    device: str | None = None,
) -> list[QuarantinePublic]:
    """Messages refused at ingest, with the reason (admins and auditors; an account of
    one site sees its own site's boxes' and those of no known box)."""
    rows = service.read_quarantine(
        session, actor=acc.actor, client=client_address(request), limit=limit, reason=reason,
        device=device, site=acc.site,
    )  # fmt: skip
    return [QuarantinePublic.model_validate(r) for r in rows]


@stats.get("", response_model=Stats)
def get_stats(session: SessionDep, acc: Reader) -> Stats:
    return service.stats(session)
