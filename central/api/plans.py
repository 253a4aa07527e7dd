"""``/api/plans``: a leader drafts, edits and sends a matter's coordinated plan
(协同接访方案); staff report progress on 本院's tasks. ``/api/organ/tasks``: an organ,
by its token, sees and reports on its own tasks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

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
    service.guard(session, SiteScope.of(acc), matter_id=body.matter_id, write=True)
    p = service.draft(
        session,
        matter_id=body.matter_id,
        actor=acc.actor,
        data_dir=settings.data_dir,
        force=body.force,
    )
    session.commit()
    return {"id": p.id, "status": p.status, "version": p.version}


@router.put("/api/plans/{plan_id}")
def edit(plan_id: str, body: EditIn, session: SessionDep, acc: Leader) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), plan_id=plan_id, write=True)
    for t in body.tasks:
        if t.due_at.tzinfo is None:
            raise HTTPException(422, "期限须带时区")
    tasks = [t.model_dump() for t in body.tasks]
    p = service.edit(
        session,
        plan_id=plan_id,
        version=body.version,
        title=body.title,
        tasks=tasks,
        actor=acc.actor,
    )
    session.commit()
    return {"id": p.id, "version": p.version}


@router.post("/api/plans/{plan_id}/send")
def send(plan_id: str, session: SessionDep, acc: Leader) -> dict[str, Any]:
    scope = SiteScope.of(acc)
    service.guard(session, scope, plan_id=plan_id, write=True)
    p = service.send(session, plan_id=plan_id, scope=scope)
    session.commit()
    return {"id": p.id, "status": p.status}


@router.post("/api/plans/tasks/{task_id}/progress")
def own_progress(
    task_id: RowId, body: ProgressIn, session: SessionDep, acc: Worker
) -> dict[str, Any]:
    service.guard(session, SiteScope.of(acc), task_id=task_id, write=True)
    t = service.update_task(
        session,
        organ_id=None,
        task_id=task_id,
        status=body.status,
        note=body.note,
        actor=acc.actor,
    )
    session.commit()
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
    t = service.update_task(
        session,
        organ_id=caller.organ.id,
        task_id=task_id,
        status=body.status,
        note=body.note,
        actor=f"organ:{caller.organ.id}",
    )
    session.commit()
    return {"id": t.id, "status": t.status}
