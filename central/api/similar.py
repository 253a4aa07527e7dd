"""``POST /api/similar`` (a new description) and ``GET /api/matters/{id}/similar``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import Worker
from central.access.scope import SiteScope
from central.deps import SessionDep
from central.similar import service


class SimilarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=2, max_length=4000, description="新事项的诉求描述")
    # strict: ``true`` is not 1 (schemathesis)
    k: int = Field(default=5, ge=1, le=20, strict=True, description="返回几件")


router = APIRouter(tags=["similar"])


@router.post("/api/similar")
def similar(body: SimilarQuery, session: SessionDep, acc: Worker) -> list[dict[str, Any]]:
    """Past matters like a new description (summaries and outcomes of every site, so
    handling is consistent across the procuratorate; no names)."""
    return service.similar_matters(session, text=body.text, k=body.k)


@router.get("/api/matters/{matter_id}/similar")
def similar_to_matter(
    matter_id: str,
    session: SessionDep,
    acc: Worker,
    k: Annotated[int, Query(ge=1, le=20)] = 5,
    reason: str = "",
) -> list[dict[str, Any]]:
    # no such matter: MatterNotFound, 404 (central.api.errors)
    return service.similar_to_matter(
        session, matter_id=matter_id, scope=SiteScope.of(acc, reason=reason), k=k
    )
