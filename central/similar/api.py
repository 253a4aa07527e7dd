"""``POST /api/similar`` (a new description) and ``GET /api/matters/{id}/similar``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from central.deps import SessionDep
from central.workflow.models import MatterRow

from .service import similar_matters


class SimilarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=2, max_length=4000, description="新事项的诉求描述")
    k: int = Field(default=5, ge=1, le=20, description="返回几件")


router = APIRouter(tags=["similar"])


@router.post("/api/similar")
def similar(body: SimilarQuery, session: SessionDep) -> list[dict[str, Any]]:
    return similar_matters(session, text=body.text, k=body.k)


@router.get("/api/matters/{matter_id}/similar")
def similar_to_matter(
    matter_id: str, session: SessionDep, k: Annotated[int, Query(ge=1, le=20)] = 5
) -> list[dict[str, Any]]:
    m = session.get(MatterRow, matter_id)
    if m is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"事项不存在：{matter_id}")
    return similar_matters(session, text=m.summary, k=k, exclude=matter_id)
