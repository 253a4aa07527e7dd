"""Legal references over HTTP: JSON API, plain pages for the box, a console panel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.access.gates import PUBLIC, READ, Reader
from central.access.scope import SiteScope
from central.bm25 import tokens
from central.console.templating import header_context
from central.deps import SessionDep
from central.params import ID_MAX, RowId
from central.workflow.models import MatterRow
from central.workflow.scope import matter_sites

from . import service
from .search import BadQuery, mark, search, terms_of
from .suggest import suggest

TEMPLATES = Path(__file__).with_name("templates")
CONSOLE = Path(__file__).parents[1] / "console" / "templates"  # base.html
Q = Annotated[str, Query(min_length=1, max_length=200, description="a few words of the article")]
Limit = Annotated[int, Query(ge=1, le=100)]
LawId = Annotated[int | None, Query(ge=1, le=ID_MAX, description="only this law")]


def _hits(session: SessionDep, q: str, limit: int, law: int | None) -> dict[str, Any]:
    try:
        found = search(session, q, limit=limit, law_id=law)
        return {"hits": [h.__dict__ for h in found], "truncated": found.truncated}
    except BadQuery as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from e


def _article(session: SessionDep, article_id: int) -> dict[str, Any]:
    try:
        return service.article(session, article_id)
    except service.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e


def make_router() -> APIRouter:
    """Both routers of ``make_routers`` in one (tests, or a site with no accounts)."""
    router = APIRouter()
    for r in make_routers():
        router.include_router(r)
    return router


def make_routers() -> tuple[APIRouter, APIRouter]:
    """``/api/legal/*`` (JSON), ``/legal/*`` (plain pages for the petitioner's screen),
    ``/console/legal`` (page) and ``/console/legal/panel`` (fragment beside a matter)."""
    templates = Jinja2Templates(directory=[TEMPLATES, CONSOLE], context_processors=[header_context])
    templates.env.globals["mark"] = mark
    router = APIRouter(dependencies=[Depends(PUBLIC)])  # the box and the petitioner's pages
    console = APIRouter(dependencies=[Depends(READ)])  # for logged-in staff

    @router.get("/api/legal/search", tags=["legal"])
    def api_search(
        session: SessionDep, q: Q, limit: Limit = 20, law: LawId = None
    ) -> dict[str, Any]:
        return {"query": q, **_hits(session, q, limit, law)}

    @router.get("/api/legal/suggest", tags=["legal"])
    def api_suggest(
        session: SessionDep,
        text: Annotated[str, Query(min_length=2, max_length=4000, description="诉求描述")],
        limit: Limit = 8,
    ) -> dict[str, Any]:
        """Articles related to a description (ranked; words need not all occur)."""
        return {"hits": [h.__dict__ for h in suggest(session, text, limit=limit)]}

    @router.get("/api/legal/articles/{article_id}", tags=["legal"])
    def api_article(article_id: RowId, session: SessionDep) -> dict[str, Any]:
        return _article(session, article_id)

    @router.get("/api/legal/laws", tags=["legal"])
    def api_laws(session: SessionDep) -> list[dict[str, Any]]:
        return [
            {"id": x.id, "name": x.name, "articles": x.articles, "sha256": x.sha256}
            for x in service.laws(session)
        ]

    @router.get("/api/legal/bundle", tags=["legal"])
    def api_bundle(session: SessionDep) -> dict[str, Any]:
        """Everything, for the box to cache (same JSON as ``zhifang legal export``)."""
        return service.export_bundle(session)

    def page(request: Request, session: SessionDep, name: str, q: str, limit: int) -> HTMLResponse:
        found = _hits(session, q, limit, None) if q.strip() else {"hits": [], "truncated": False}
        terms = terms_of(q) if q.strip() else []
        ctx = {"q": q, **found, "terms": terms, "laws": service.laws(session)}
        return templates.TemplateResponse(request, name, ctx)

    @router.get("/legal/", response_class=HTMLResponse, include_in_schema=False)
    def plain_search(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
        return page(request, session, "legal/plain_search.html", q[:200], 20)

    @router.get(
        "/legal/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def plain_article(article_id: RowId, request: Request, session: SessionDep) -> HTMLResponse:
        ctx = {"a": _article(session, article_id)}
        return templates.TemplateResponse(request, "legal/plain_article.html", ctx)

    @console.get("/console/legal", response_class=HTMLResponse, include_in_schema=False)
    def console_page(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
        return page(request, session, "legal/console.html", q[:200], 50)

    @console.get("/console/legal/panel", response_class=HTMLResponse, include_in_schema=False)
    def console_panel(
        request: Request,
        session: SessionDep,
        acc: Reader,
        q: str = "",
        matter_id: str | None = None,
    ) -> HTMLResponse:
        """Beside a matter: with ``matter_id`` and no query, the articles related to the
        matter's summary (the account's own site's matter; else a plain search); with
        ``q``, a search."""
        matter = session.get(MatterRow, matter_id) if matter_id and not q.strip() else None
        if matter is not None and not SiteScope.of(acc).owns(matter_sites(session, matter.id)):
            matter = None
        if matter is None:
            return page(request, session, "legal/_panel.html", q[:200], 8)
        hits = [h.__dict__ for h in suggest(session, matter.summary, limit=8)]
        shown = [w for w in dict.fromkeys(tokens(matter.summary)) if len(w) > 1]
        ctx = {"q": "", "hits": hits, "terms": shown, "truncated": False, "related": True}
        return templates.TemplateResponse(request, "legal/_panel.html", ctx)

    return router, console
