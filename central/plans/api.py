"""``/api/plans`` (our leaders), ``/api/organ/tasks`` (organs), a console panel."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import Leader, Reader, Worker
from central.access.scope import SiteScope
from central.deps import SessionDep, SettingsDep
from central.params import ID_MAX, RowId
from central.sharing.deps import OrganDep

from . import service
from .rules import RulesError

TEMPLATES = Path(__file__).with_name("templates")


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matter_id: str = Field(min_length=1, max_length=36, description="事项编号")
    force: bool = Field(default=False, description="无规则适用时也起草")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(default=None, ge=1, le=ID_MAX, description="已有任务的编号；新任务不填")
    organ_id: str | None = Field(default=None, max_length=64, description="承办单位")
    organ_kind: str = Field(min_length=1, max_length=32, description="单位类别")
    assignee: str = Field(default="", max_length=200, description="责任人")
    description: str = Field(min_length=1, max_length=2000, description="任务")
    due_at: datetime = Field(description="期限（带时区）")


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=ID_MAX, description="编辑所依据的版本")
    title: str = Field(min_length=1, max_length=200, description="方案名称")
    tasks: list[TaskIn] = Field(min_length=1, max_length=100, description="全部任务")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "in_progress", "done"] = Field(description="进度")
    note: str = Field(default="", max_length=4000, description="办理情况")


def _run(fn: Any, *a: Any, **kw: Any) -> Any:
    try:
        return fn(*a, **kw)
    except service.PlanError as e:
        raise HTTPException(e.status, str(e)) from e
    except RulesError as e:
        raise HTTPException(500, str(e)) from e


def make_routers() -> tuple[APIRouter, APIRouter]:
    """(staff: ``/api/plans``, ``/console/plans``; organs: ``/api/organ/tasks`` by token)."""
    templates = Jinja2Templates(directory=str(TEMPLATES))
    router = APIRouter()
    organs = APIRouter()

    @router.post("/api/plans", status_code=201, tags=["plans"])
    def draft(
        body: DraftIn, session: SessionDep, settings: SettingsDep, acc: Leader
    ) -> dict[str, Any]:
        service.guard(session, SiteScope.of(acc), matter_id=body.matter_id, write=True)
        p = _run(
            service.draft,
            session,
            matter_id=body.matter_id,
            actor=acc.actor,
            data_dir=settings.data_dir,
            force=body.force,
        )
        session.commit()
        return {"id": p.id, "status": p.status, "version": p.version}

    @router.put("/api/plans/{plan_id}", tags=["plans"])
    def edit(plan_id: str, body: EditIn, session: SessionDep, acc: Leader) -> dict[str, Any]:
        service.guard(session, SiteScope.of(acc), plan_id=plan_id, write=True)
        for t in body.tasks:
            if t.due_at.tzinfo is None:
                raise HTTPException(422, "期限须带时区")
        tasks = [t.model_dump() for t in body.tasks]
        p = _run(
            service.edit,
            session,
            plan_id=plan_id,
            version=body.version,
            title=body.title,
            tasks=tasks,
            actor=acc.actor,
        )
        session.commit()
        return {"id": p.id, "version": p.version}

    @router.post("/api/plans/{plan_id}/send", tags=["plans"])
    def send(plan_id: str, session: SessionDep, acc: Leader) -> dict[str, Any]:
        scope = SiteScope.of(acc)
        service.guard(session, scope, plan_id=plan_id, write=True)
        p = _run(service.send, session, plan_id=plan_id, scope=scope)
        session.commit()
        return {"id": p.id, "status": p.status}

    @router.post("/api/plans/tasks/{task_id}/progress", tags=["plans"])
    def own_progress(
        task_id: RowId, body: ProgressIn, session: SessionDep, acc: Worker
    ) -> dict[str, Any]:
        service.guard(session, SiteScope.of(acc), task_id=task_id, write=True)
        t = _run(
            service.update_task,
            session,
            organ_id=None,
            task_id=task_id,
            status=body.status,
            note=body.note,
            actor=acc.actor,
        )
        session.commit()
        return {"id": t.id, "status": t.status}

    @router.get("/api/plans/by-matter/{matter_id}", tags=["plans"])
    def by_matter(
        matter_id: str, session: SessionDep, acc: Reader, reason: str = ""
    ) -> list[dict[str, Any]]:
        scope = SiteScope.of(acc, reason=reason)
        service.guard(session, scope, matter_id=matter_id, write=False)
        return service.for_matter(session, matter_id)

    @organs.get("/api/organ/tasks", tags=["organ"])
    def my_tasks(caller: OrganDep, session: SessionDep) -> list[dict[str, Any]]:
        return service.organ_tasks(session, caller.organ.id)

    @organs.post("/api/organ/tasks/{task_id}/progress", tags=["organ"])
    def organ_progress(
        task_id: RowId, body: ProgressIn, caller: OrganDep, session: SessionDep
    ) -> dict[str, Any]:
        t = _run(
            service.update_task,
            session,
            organ_id=caller.organ.id,
            task_id=task_id,
            status=body.status,
            note=body.note,
            actor=f"organ:{caller.organ.id}",
        )
        session.commit()
        return {"id": t.id, "status": t.status}

    @router.get("/console/plans/panel", response_class=HTMLResponse, include_in_schema=False)
    def panel(
        request: Request, session: SessionDep, acc: Reader, matter_id: str, reason: str = ""
    ) -> HTMLResponse:
        scope = SiteScope.of(acc, reason=reason)
        service.guard(session, scope, matter_id=matter_id, write=False)
        ctx = {"plans": service.for_matter(session, matter_id)}
        return templates.TemplateResponse(request, "plans/_progress.html", ctx)

    return router, organs
