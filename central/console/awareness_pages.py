"""Console pages of situation awareness (``/console/awareness``), zh-CN, server-rendered.

The dashboard's charts are drawn in the browser by ECharts (served from ``/console/static``)
from ``/api/awareness/charts/<name>``; KPIs and lists are rendered here.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.access.gates import Reader as Viewer
from central.api.awareness_deps import CtxDep, DimsDep, ProfileDep
from central.api.workflow import ConfigDep, NowDep
from central.awareness import kpis, lists, service, warnings
from central.awareness.charts import Ctx
from central.awareness.filters import Filters
from central.awareness.reports import previous_month
from central.deps import SessionDep
from central.labels import AWARENESS_DIM_ZH
from central.params import Offset

from .templating import TEMPLATES, install

# (chart, full width?) in the order the dashboard shows them
DASHBOARD = (
    ("receptions_time", True),
    ("receptions_township", False),
    ("receptions_category", False),
    ("matters_time", True),
    ("matters_category", False),
    ("matters_organ", False),
    ("satisfaction", False),
    ("clocks", False),
    ("repeat_distribution", False),
    ("repeat_top", False),
    ("receptions_officer", False),
    ("matters_status", False),
)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


@cache
def templates() -> Jinja2Templates:
    """The console's templates (awareness/*.html, base.html) with the dashboard's globals."""
    t = Jinja2Templates(directory=str(TEMPLATES))
    install(t.env)
    t.env.globals.update(pct=_pct)
    return t


def _list_ctx(
    ctx: Ctx, dims: dict[str, str], limit: int, offset: int, **extra: Any
) -> dict[str, Any]:
    keep = {k: str(v) for k, v in {**dims, **extra}.items() if v is not None}
    shown = {AWARENESS_DIM_ZH.get(k, k): v for k, v in keep.items()}
    return {
        "f": ctx.f,
        "keep": keep,
        "shown": shown,
        "limit": limit,
        "offset": offset,
        "page_query": ctx.f.query(**keep),
        **service.filter_choices(ctx.session),
    }


router = APIRouter(prefix="/console/awareness", include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, ctx: CtxDep, acc: Viewer) -> HTMLResponse:
    k = kpis.kpis(ctx.session, f=ctx.f, tz=ctx.tz, config=ctx.config)
    data = {"f": ctx.f, "k": k, "query": ctx.f.query(), "charts": DASHBOARD, "acc": acc}
    data |= service.filter_choices(ctx.session)
    return templates().TemplateResponse(request, "awareness/dashboard.html", data)


@router.get("/receptions", response_class=HTMLResponse)
def receptions(
    request: Request,
    ctx: CtxDep,
    acc: Viewer,
    dims: DimsDep,
    visits: Annotated[int | None, Query(ge=1, le=5)] = None,
    limit: Annotated[int, Query(ge=1, le=lists.PAGE_MAX)] = 100,
    offset: Offset = 0,
) -> HTMLResponse:
    try:
        page = lists.reception_list(
            ctx.session,
            f=ctx.f,
            tz=ctx.tz,
            dims=dims,
            visits=visits,
            limit=limit,
            offset=offset,
            site=acc.site,
        )
    except ValueError as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(e)) from e
    data = {"page": page, "acc": acc, **_list_ctx(ctx, dims, limit, offset, visits=visits)}
    return templates().TemplateResponse(request, "awareness/receptions.html", data)


@router.get("/matters", response_class=HTMLResponse)
def matters(
    request: Request,
    ctx: CtxDep,
    acc: Viewer,
    dims: DimsDep,
    clock: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[str | None, Query(pattern="^(overdue|due_soon)$")] = None,
    limit: Annotated[int, Query(ge=1, le=lists.PAGE_MAX)] = 100,
    offset: Offset = 0,
) -> HTMLResponse:
    try:
        page = service.matter_page(
            ctx, dims=dims, clock=clock, state=state, limit=limit, offset=offset,
            site=acc.site,
        )  # fmt: skip
    except ValueError as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(e)) from e
    note = None
    if clock or state:
        what = {"overdue": "已超期", "due_soon": "临期"}.get(state or "", "超期或临期")
        note = f"当前{what}的在办事项（不限登记时间）"
    data = {"page": page, "clock_note": note, "acc": acc}
    data |= _list_ctx(ctx, dims, limit, offset, clock=clock, state=state)
    return templates().TemplateResponse(request, "awareness/matters.html", data)


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person(request: Request, p: ProfileDep, acc: Viewer) -> HTMLResponse:
    return templates().TemplateResponse(request, "awareness/profile.html", {"p": p, "acc": acc})


@router.get("/alerts", response_class=HTMLResponse)
def alerts(request: Request, session: SessionDep, acc: Viewer) -> HTMLResponse:
    wcfg = warnings.WarningConfig()
    data = {
        "alerts": warnings.recent_alerts(session, limit=200),
        "rule": wcfg.surge,
        "wcfg": wcfg,
        "acc": acc,
    }
    return templates().TemplateResponse(request, "awareness/alerts.html", data)


@router.get("/reports", response_class=HTMLResponse)
def reports(
    request: Request, session: SessionDep, config: ConfigDep, now: NowDep, acc: Viewer
) -> HTMLResponse:
    data = {
        "reports": service.reports(session),
        "month": previous_month(now.astimezone(config.rules.tz).date()),
        "acc": acc,
    }
    return templates().TemplateResponse(request, "awareness/reports.html", data)


__all__ = ["Filters", "router"]
