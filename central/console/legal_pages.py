"""Legal references as pages: ``/legal/*`` (plain pages for the petitioner's screen, for
anyone), ``/console/legal`` (search) and ``/console/legal/panel`` (the fragment beside a
matter), for logged-in staff."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.access.gates import PUBLIC, READ, Reader
from central.access.scope import SiteScope
from central.api.legal import article, hits
from central.deps import SessionDep
from central.legal import service
from central.legal.search import mark, terms_of
from central.legal.suggest import for_matter
from central.params import RowId

from .templating import TEMPLATES, header_context, install

public = APIRouter(dependencies=[Depends(PUBLIC)], include_in_schema=False)
router = APIRouter(dependencies=[Depends(READ)], include_in_schema=False)


@cache
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=TEMPLATES, context_processors=[header_context])
    install(t.env)
    t.env.globals["mark"] = mark
    return t


def _page(request: Request, session: SessionDep, name: str, q: str, limit: int) -> HTMLResponse:
    found = hits(session, q, limit, None) if q.strip() else {"hits": [], "truncated": False}
    terms = terms_of(q) if q.strip() else []
    ctx = {"q": q, **found, "terms": terms, "laws": service.laws(session)}
    return templates().TemplateResponse(request, name, ctx)


@public.get("/legal/", response_class=HTMLResponse)
def plain_search(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
    return _page(request, session, "legal/plain_search.html", q[:200], 20)


@public.get("/legal/articles/{article_id}", response_class=HTMLResponse)
def plain_article(article_id: RowId, request: Request, session: SessionDep) -> HTMLResponse:
    ctx = {"a": article(session, article_id)}
    return templates().TemplateResponse(request, "legal/plain_article.html", ctx)


@router.get("/console/legal", response_class=HTMLResponse)
def console_page(request: Request, session: SessionDep, q: str = "") -> HTMLResponse:
    return _page(request, session, "legal/console.html", q[:200], 50)


@router.get("/console/legal/panel", response_class=HTMLResponse)
def console_panel(
    request: Request,
    session: SessionDep,
    acc: Reader,
    q: str = "",
    matter_id: str | None = None,
) -> HTMLResponse:
    """Beside a matter: with ``matter_id`` and no query, the articles related to the
    matter's summary (the account's own site's matter; else a plain search); with ``q``,
    a search."""
    related = (
        for_matter(session, SiteScope.of(acc), matter_id) if matter_id and not q.strip() else None
    )
    if related is None:
        return _page(request, session, "legal/_panel.html", q[:200], 8)
    found, shown = [h.__dict__ for h in related[0]], related[1]
    ctx = {"q": "", "hits": found, "terms": shown, "truncated": False, "related": True}
    return templates().TemplateResponse(request, "legal/_panel.html", ctx)
