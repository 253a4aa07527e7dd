"""``/api/awareness``: the JSON behind every chart, the lists, profiles, alerts, reports.

Thin views: parse, call the service, return. The lead mounts ``router``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import LEAD, READ, Leader, Reader, Worker
from central.access.scope import SiteScope
from central.api.awareness_deps import CtxDep, DimsDep, ProfileDep
from central.api.workflow import ConfigDep, NowDep
from central.awareness import charts, kpis, lists, reports, service, warnings
from central.deps import SessionDep, SettingsDep
from central.openapi import file_answer
from central.params import Offset, RowId

# staff; charts and KPIs are procuratorate-wide counts (no names), lists and profiles
# are limited to the account's own site (another site's person with a reason)
router = APIRouter(prefix="/api/awareness", tags=["awareness"])
ANY_STAFF = [Depends(READ)]


def _bad(e: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(e))


@router.get("/charts", dependencies=ANY_STAFF)
def chart_names() -> list[str]:
    return list(charts.CHARTS)


@router.get("/charts/{name}", response_model=charts.ChartPublic, dependencies=ANY_STAFF)
def chart(name: str, ctx: CtxDep) -> charts.ChartPublic:
    if name not in charts.CHARTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"没有名为 {name} 的图表")
    return charts.build(name, ctx)


@router.get("/kpis", dependencies=ANY_STAFF)
def kpi(ctx: CtxDep) -> dict[str, Any]:
    return kpis.kpis(ctx.session, f=ctx.f, tz=ctx.tz, config=ctx.config).as_dict()


@router.get("/receptions")
def receptions(
    ctx: CtxDep,
    dims: DimsDep,
    acc: Reader,
    visits: Annotated[int | None, Query(ge=1, le=5)] = None,
    limit: Annotated[int, Query(ge=1, le=lists.PAGE_MAX)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    try:
        page = lists.reception_list(
            ctx.session, f=ctx.f, tz=ctx.tz, dims=dims, visits=visits, limit=limit,
            offset=offset, site=acc.site,
        )  # fmt: skip
    except ValueError as e:
        raise _bad(e) from e
    return {"total": page.total, "items": [asdict(x) for x in page.items]}


@router.get("/matters")
def matters(
    ctx: CtxDep,
    dims: DimsDep,
    acc: Reader,
    clock: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[str | None, Query(pattern="^(overdue|due_soon)$")] = None,
    limit: Annotated[int, Query(ge=1, le=lists.PAGE_MAX)] = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    try:
        page = service.matter_page(
            ctx, dims=dims, clock=clock, state=state, limit=limit, offset=offset, site=acc.site
        )
    except ValueError as e:
        raise _bad(e) from e
    return {"total": page.total, "items": [asdict(x) for x in page.items]}


@router.get("/persons/{person_id}/profile", dependencies=ANY_STAFF)
def person_profile(p: ProfileDep) -> dict[str, Any]:
    out = asdict(p)
    out["person"] = p.person.model_dump(mode="json")
    return out


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(min_length=1, max_length=64, description="信访事项类别")
    organ: str | None = Field(default=None, max_length=200, description="承办/转办机关")


@router.put("/matters/{matter_id}/tag")
def tag_matter(matter_id: str, body: TagIn, session: SessionDep, acc: Worker) -> dict[str, Any]:
    try:
        row = service.set_tag(
            session, scope=SiteScope.of(acc), matter_id=matter_id, category=body.category,
            organ=body.organ,
        )  # fmt: skip
    except LookupError as e:
        session.rollback()
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(e)) from e
    return {"matter_id": row.matter_id, "category": row.category, "organ": row.organ}


@router.get("/alerts", dependencies=ANY_STAFF)
def alerts(
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    return [
        service.alert_public(a) for a in warnings.recent_alerts(session, limit=limit, kind=kind)
    ]


@router.post("/alerts/run", dependencies=[Depends(LEAD)])
def run_alerts(session: SessionDep, config: ConfigDep, now: NowDep) -> list[dict[str, Any]]:
    raised = warnings.run_by_hand(session, now=now, config=config)
    return [service.alert_public(a) for a in raised]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # years a report can be about; year 0 once reached ``date()`` and answered 500
    month: str = Field(pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$", description="YYYY-MM（1900–2099）")


@router.post("/reports", status_code=status.HTTP_201_CREATED)
def make_report(
    body: ReportIn,
    session: SessionDep,
    settings: SettingsDep,
    config: ConfigDep,
    now: NowDep,
    acc: Leader,
) -> dict[str, Any]:

    try:
        row = reports.make_report(
            session,
            month=body.month,
            out_dir=settings.data_dir / "reports",
            config=config,
            now=now,
            actor=acc.actor,
        )
    except ValueError as e:  # the month, as reports.month_filters reads it
        raise _bad(e) from e
    return service.report_public(row)


@router.get("/reports", dependencies=ANY_STAFF)
def report_list(session: SessionDep) -> list[dict[str, Any]]:
    return [service.report_public(r) for r in service.reports(session)]


@router.get(
    "/reports/{report_id}/{fmt}", dependencies=ANY_STAFF, response_class=FileResponse,
    responses=file_answer(*service.MEDIA.values(), description="the report file"),
)  # fmt: skip
def report_file(report_id: RowId, fmt: str, session: SessionDep) -> FileResponse:
    try:
        path, media, name = service.report_file(session, report_id=report_id, fmt=fmt)
    except LookupError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(e)) from e
    return FileResponse(path, media_type=media, filename=name)
