"""``/api/plans``: a leader drafts, edits and sends a matter's coordinated plan
(协同接访方案); staff report progress on 本院's tasks. ``/api/organ/tasks``: an organ,
by its token, sees and reports on its own tasks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from central.access.gates import Leader, Reader, Worker
from central.access.scope import SiteScope
from central.api.organ_deps import OrganDep
from central.deps import SessionDep, SettingsDep
from central.params import RowId
from central.plans import service
from central.plans.schemas import DraftIn, EditIn, ProgressIn

router = APIRouter(tags=["plans"])  # staff
organs = APIRouter(tags=["organ"])  # organs, by token


@router.post("/api/plans", status_code=201)
def draft(body: DraftIn, session: SessionDep, settings: SettingsDep, acc: Leader) -> dict[str, Any]:
    p = service.draft_plan(
        session,
        scope=SiteScope.of(acc),
        matter_id=body.matter_id,
        data_dir=settings.data_dir,
        force=body.force,
    )
    return {"id": p.id, "status": p.status, "version": p.version}


@router.put("/api/plans/{plan_id}")
def edit(plan_id: str, body: EditIn, session: SessionDep, acc: Leader) -> dict[str, Any]:
    p = service.edit_plan(
        session,
        scope=SiteScope.of(acc),
        plan_id=plan_id,
        version=body.version,
        title=body.title,
        tasks=[t.model_dump() for t in body.tasks],
    )
    return {"id": p.id, "version": p.version}


@router.post("/api/plans/{plan_id}/send")
def send(plan_id: str, session: SessionDep, acc: Leader) -> dict[str, Any]:
    p = service.send_plan(session, scope=SiteScope.of(acc), plan_id=plan_id)
    return {"id": p.id, "status": p.status}


@router.post("/api/plans/tasks/{task_id}/progress")
def own_progress(
    task_id: RowId, body: ProgressIn, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    t = service.report_progress(
        session,
        scope=SiteScope.of(acc),
        organ_id=None,
        task_id=task_id,
        status=body.status,
        note=body.note,
        actor=acc.actor,
    )
    return {"id": t.id, "status": t.status}


@router.get("/api/plans/by-matter/{matter_id}")
def by_matter(
    matter_id: str, session: SessionDep, acc: Reader, reason: str = ""
) -> list[dict[str, Any]]:
    scope = SiteScope.of(acc, reason=reason)
    service.guard(session, scope, matter_id=matter_id, write=False)
    return service.for_matter(session, matter_id)


@organs.get("/api/organ/tasks")
def my_tasks(caller: OrganDep, session: SessionDep) -> list[dict[str, Any]]:
    return service.organ_tasks(session, caller.organ.id)


@organs.post("/api/organ/tasks/{task_id}/progress")
def organ_progress(
    task_id: RowId, body: ProgressIn, caller: OrganDep, session: SessionDep
) -> dict[str, Any]:
    t = service.report_progress(
        session,
        scope=None,
        organ_id=caller.organ.id,
        task_id=task_id,
        status=body.status,
        note=body.note,
        actor=f"organ:{caller.organ.id}",
    )
    return {"id": t.id, "status": t.status}
