"""Draft a plan from the site's rules and similar past matters; edit; send; progress."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow
from central.sharing import service as sharing
from central.sharing.models import MatterShare, OrganRow
from central.similar.service import similar_matters
from central.workflow.models import MatterRow
from central.workflow.scope import matter_sites

from .errors import PlansError
from .models import PlanRow, PlanTaskRow
from .rules import Facts, fired, site_rules

STATUSES = ("open", "in_progress", "done")


class PlanError(PlansError, ValueError):
    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _organ_for(session: Session, kind: str, shared: list[str]) -> str | None:
    """An organ of ``kind``: one the matter is already shared with, else the first active."""
    rows = session.scalars(
        select(OrganRow)
        .where(OrganRow.kind == kind, OrganRow.active.is_(True))
        .order_by(OrganRow.id)
    ).all()
    for o in rows:
        if o.id in shared:
            return o.id
    return rows[0].id if rows else None


def draft(
    session: Session, *, matter_id: str, actor: str, data_dir: Path, force: bool = False
) -> PlanRow:
    m = session.get(MatterRow, matter_id)
    if m is None:
        raise PlanError(f"事项不存在：{matter_id}", status=404)
    shared = list(
        session.scalars(select(MatterShare.organ_id).where(MatterShare.matter_id == matter_id))
    )
    rules = fired(site_rules(data_dir), Facts(m.summary, m.risk_level, len(shared)))
    if not rules and not force and m.risk_level != "high" and len(shared) < 2:
        raise PlanError(
            "该事项不是高风险、也不涉及多个单位，没有规则适用；如确需方案请选择强制起草"
        )
    now = utcnow()
    similar = similar_matters(session, text=m.summary, k=3, exclude=matter_id)
    plan = PlanRow(
        id=str(uuid.uuid4()),
        matter_id=matter_id,
        title=f"协同接访方案：{m.summary[:40]}",
        status="draft",
        version=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
        basis={
            "rules": [{"name": r.name, "label": r.label} for r in rules],
            "similar": [
                {
                    "matter_id": s["matter_id"],
                    "summary": s["summary"][:200],
                    "outcome": s["outcome"][:500],
                }
                for s in similar
            ],
        },
    )
    session.add(plan)
    session.flush()
    seen: set[str] = set()
    for r in rules:
        for t in r.task:
            if t.task in seen:
                continue
            seen.add(t.task)
            session.add(
                PlanTaskRow(
                    plan_id=plan.id,
                    organ_id=_organ_for(session, t.organ_kind, shared),
                    organ_kind=t.organ_kind,
                    assignee=t.assignee,
                    description=t.task,
                    due_at=now + timedelta(days=t.due_days),
                    status="open",
                    note="",
                )
            )
    # how similar matters were settled, as a task for our own officer to weigh
    for s in similar:
        if s["outcome"]:
            session.add(
                PlanTaskRow(
                    plan_id=plan.id,
                    organ_id=None,
                    organ_kind="procuratorate",
                    assignee="承办检察官",
                    description=f"参考类似事项 {s['matter_id']} 的处理：{s['outcome'][:300]}",
                    due_at=now + timedelta(days=3),
                    status="open",
                    note="",
                )
            )
            break
    audit.record(
        session, actor=actor, action="plan.draft", target=f"matter:{matter_id}", reason=plan.id
    )
    session.flush()
    return plan


def get(session: Session, plan_id: str, *, lock: bool = False) -> PlanRow:
    p = session.get(PlanRow, plan_id, with_for_update=lock)
    if p is None:
        raise PlanError(f"方案不存在：{plan_id}", status=404)
    return p


def edit(
    session: Session,
    *,
    plan_id: str,
    version: int,
    title: str,
    tasks: list[dict[str, Any]],
    actor: str,
) -> PlanRow:
    """Replace title and tasks. ``version`` must be the one the leader edited (else 409).
    Tasks keep their id (and progress) when ``id`` is given."""
    p = get(session, plan_id, lock=True)
    if p.version != version:
        raise PlanError(f"方案已被他人修改（当前第 {p.version} 版），请刷新", status=409)
    if p.status == "done":
        raise PlanError("方案已完成，不能再修改", status=409)
    old = {t.id: t for t in session.scalars(select(PlanTaskRow).where(PlanTaskRow.plan_id == p.id))}
    keep = set()
    for t in tasks:
        if t.get("organ_id") and session.get(OrganRow, t["organ_id"]) is None:
            raise PlanError(f"单位不存在：{t['organ_id']}")
        row = old.get(t["id"]) if t.get("id") else None
        if t.get("id") and row is None:
            raise PlanError(f"任务 {t['id']} 不属于该方案")
        if row is None:
            row = PlanTaskRow(plan_id=p.id, status="open", note="")
            session.add(row)
        # an empty organ is no organ (the form's "不指定"); stored as "" it broke the
        # foreign key and answered 500 (schemathesis)
        row.organ_id, row.organ_kind = t.get("organ_id") or None, t["organ_kind"]
        row.assignee, row.description, row.due_at = (
            t.get("assignee", ""),
            t["description"],
            t["due_at"],
        )
        session.flush()
        keep.add(row.id)
    for tid, row in old.items():
        if tid not in keep:
            session.delete(row)
    p.title, p.version, p.updated_at = title, p.version + 1, utcnow()
    audit.record(
        session,
        actor=actor,
        action="plan.edit",
        target=f"matter:{p.matter_id}",
        reason=f"{p.id} v{p.version}",
    )
    session.flush()
    return p


def send(session: Session, *, plan_id: str, scope: SiteScope) -> PlanRow:
    """Share the matter with every organ that has a task, and mark the plan sent."""
    p = get(session, plan_id, lock=True)
    tasks = session.scalars(select(PlanTaskRow).where(PlanTaskRow.plan_id == p.id)).all()
    if not tasks:
        raise PlanError("方案没有任务")
    missing = [
        t.description[:20] for t in tasks if t.organ_id is None and t.organ_kind != "procuratorate"
    ]
    if missing:
        raise PlanError(f"以下任务尚未指定单位：{'；'.join(missing)}")
    for organ_id in sorted({t.organ_id for t in tasks if t.organ_id}):
        sharing.share(
            session,
            matter_id=p.matter_id,
            organ_id=organ_id,
            scope=scope,
            reason=f"协同接访方案 {p.id}",
        )
    p.status, p.sent_at, p.updated_at = "sent", utcnow(), utcnow()
    audit.record(
        session, actor=scope.actor, action="plan.send", target=f"matter:{p.matter_id}", reason=p.id
    )
    session.flush()
    return p


def organ_tasks(session: Session, organ_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PlanTaskRow, PlanRow.matter_id)
        .join(PlanRow)
        .where(PlanTaskRow.organ_id == organ_id, PlanRow.status.in_(("sent", "done")))
        .order_by(PlanTaskRow.due_at)
    ).all()
    return [_task(t) | {"matter_id": mid} for t, mid in rows]


def matter_of(
    session: Session, *, plan_id: str | None = None, task_id: int | None = None
) -> str | None:
    """The matter a plan or a task belongs to (None if there is no such plan/task)."""
    if task_id is not None:
        t = session.get(PlanTaskRow, task_id)
        plan_id = t.plan_id if t is not None else None
    p = session.get(PlanRow, plan_id) if plan_id is not None else None
    return p.matter_id if p is not None else None


def guard(
    session: Session,
    scope: SiteScope,
    *,
    matter_id: str | None = None,
    plan_id: str | None = None,
    task_id: int | None = None,
    write: bool,
) -> None:
    """The site-scope rule for a plan: drafting, editing, sending and progress are for
    the matter's own site; reading another site's plans needs a reason."""
    mid = matter_id or matter_of(session, plan_id=plan_id, task_id=task_id)
    if mid is None:
        return  # the service answers 404 with its own words
    sites = matter_sites(session, mid)
    if write:
        scope.write(sites, what="该事项的协同方案")
    else:
        scope.read(sites, what="该事项的协同方案")


def update_task(
    session: Session, *, organ_id: str | None, task_id: int, status: str, note: str, actor: str
) -> PlanTaskRow:
    """Progress on a task, by the organ it is assigned to (``organ_id``) or by our own
    staff (``organ_id=None``). The plan is done when every task is."""
    if status not in STATUSES:
        raise PlanError(f"状态应为 {' / '.join(STATUSES)}")
    t = session.get(PlanTaskRow, task_id)
    plan = session.get(PlanRow, t.plan_id) if t else None
    if (
        t is None
        or plan is None
        or (organ_id is not None and (t.organ_id != organ_id or plan.status == "draft"))
    ):
        raise PlanError("任务不存在或不属于本单位", status=404)
    t.status, t.note, t.updated_by, t.updated_at = status, note, actor, utcnow()
    session.flush()
    left = session.scalar(
        select(func.count())
        .select_from(PlanTaskRow)
        .where(PlanTaskRow.plan_id == plan.id, PlanTaskRow.status != "done")
    )
    if plan.status == "sent" and left == 0:
        plan.status = "done"
    plan.updated_at = utcnow()
    session.flush()
    return t


# ---- the API's requests, each one unit of work (the site rule, the change, its audit) --


def draft_plan(
    session: Session, *, scope: SiteScope, matter_id: str, data_dir: Path, force: bool = False
) -> PlanRow:
    """A leader drafts the matter's plan from the site's rules (committed)."""
    with unit_of_work(session):
        guard(session, scope, matter_id=matter_id, write=True)
        return draft(
            session, matter_id=matter_id, actor=scope.actor, data_dir=data_dir, force=force
        )


def edit_plan(
    session: Session,
    *,
    scope: SiteScope,
    plan_id: str,
    version: int,
    title: str,
    tasks: list[dict[str, Any]],
) -> PlanRow:
    """A leader's edit of a plan (``edit``), committed; every due time must carry its
    time zone (422)."""
    with unit_of_work(session):
        guard(session, scope, plan_id=plan_id, write=True)
        if any(t["due_at"].tzinfo is None for t in tasks):
            raise PlanError("期限须带时区", status=422)
        return edit(
            session, plan_id=plan_id, version=version, title=title, tasks=tasks,
            actor=scope.actor,
        )  # fmt: skip


def send_plan(session: Session, *, scope: SiteScope, plan_id: str) -> PlanRow:
    """``send``, committed: the shares with the organs and the plan's status together."""
    with unit_of_work(session):
        guard(session, scope, plan_id=plan_id, write=True)
        return send(session, plan_id=plan_id, scope=scope)


def report_progress(
    session: Session,
    *,
    scope: SiteScope | None,
    organ_id: str | None,
    task_id: int,
    status: str,
    note: str,
    actor: str,
) -> PlanTaskRow:
    """``update_task``, committed: by our staff (``scope``, their own site's tasks) or by
    an organ (``organ_id``, its own tasks; ``scope`` None)."""
    with unit_of_work(session):
        if scope is not None:
            guard(session, scope, task_id=task_id, write=True)
        return update_task(
            session, organ_id=organ_id, task_id=task_id, status=status, note=note, actor=actor
        )


def _task(t: PlanTaskRow) -> dict[str, Any]:
    return {
        "id": t.id,
        "organ_id": t.organ_id,
        "organ_kind": t.organ_kind,
        "assignee": t.assignee,
        "description": t.description,
        "due_at": t.due_at.isoformat(),
        "status": t.status,
        "note": t.note,
        "updated_by": t.updated_by,
        "updated_at": t.updated_at.isoformat() if t.updated_at else None,
    }


def for_matter(
    session: Session, matter_id: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Each plan of a matter with its tasks and progress (what the matter page shows)."""
    now = now or utcnow()
    out = []
    for p in session.scalars(
        select(PlanRow).where(PlanRow.matter_id == matter_id).order_by(PlanRow.created_at)
    ):
        tasks = session.scalars(
            select(PlanTaskRow)
            .where(PlanTaskRow.plan_id == p.id)
            .order_by(PlanTaskRow.due_at, PlanTaskRow.id)
        ).all()
        done = sum(1 for t in tasks if t.status == "done")
        overdue = sum(1 for t in tasks if t.status != "done" and t.due_at < now)
        out.append(
            {
                "id": p.id,
                "title": p.title,
                "status": p.status,
                "version": p.version,
                "basis": p.basis,
                "sent_at": p.sent_at.isoformat() if p.sent_at else None,
                "progress": {"done": done, "total": len(tasks), "overdue": overdue},
                "tasks": [_task(t) for t in tasks],
            }
        )
    return out
