"""``/api/legal/*``: legal references as JSON, for anyone (the box caches the bundle)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from central.access.gates import PUBLIC
from central.deps import SessionDep
from central.legal import service
from central.legal.search import search
from central.legal.suggest import suggest
from central.params import ID_MAX, RowId

Q = Annotated[str, Query(min_length=1, max_length=200, description="a few words of the article")]
Limit = Annotated[int, Query(ge=1, le=100)]
LawId = Annotated[int | None, Query(ge=1, le=ID_MAX, description="only this law")]

router = APIRouter(dependencies=[Depends(PUBLIC)], tags=["legal"])


def hits(session: SessionDep, q: str, limit: int, law: int | None) -> dict[str, Any]:
    found = search(session, q, limit=limit, law_id=law)  # BadQuery: 422 (console.errors)
    return {"hits": [h.__dict__ for h in found], "truncated": found.truncated}


def article(session: SessionDep, article_id: int) -> dict[str, Any]:
    return service.article(session, article_id)  # NotFound: 404 (console.errors)


@router.get("/api/legal/search")
def api_search(session: SessionDep, q: Q, limit: Limit = 20, law: LawId = None) -> dict[str, Any]:
    return {"query": q, **hits(session, q, limit, law)}


@router.get("/api/legal/suggest")
def api_suggest(
    session: SessionDep,
    text: Annotated[str, Query(min_length=2, max_length=4000, description="诉求描述")],
    limit: Limit = 8,
) -> dict[str, Any]:
    """Articles related to a description (ranked; words need not all occur)."""
    return {"hits": [h.__dict__ for h in suggest(session, text, limit=limit)]}


@router.get("/api/legal/articles/{article_id}")
def api_article(article_id: RowId, session: SessionDep) -> dict[str, Any]:
    return article(session, article_id)


@router.get("/api/legal/laws")
def api_laws(session: SessionDep) -> list[dict[str, Any]]:
    return [
        {"id": x.id, "name": x.name, "articles": x.articles, "sha256": x.sha256}
        for x in service.laws(session)
    ]


@router.get("/api/legal/bundle")
def api_bundle(session: SessionDep) -> dict[str, Any]:
    """Everything, for the box to cache (same JSON as ``zhifang legal export``)."""
    return service.export_bundle(session)
