"""The plan forms on the matter page (协同接访方案): a leader drafts, edits the tasks
(organ, person, what, by when) and sends the plan to the organs; our own staff report
progress on the tasks of 本院. Each posts, calls ``central.plans.service`` and
redirects back to the matter with a flash message. The account dependencies check
the role and the form's CSRF token."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from central.access.gates import Leader, Reader, Worker
from central.access.scope import SiteScope
from central.deps import SessionDep, SettingsDep
from central.labels import TASK_STATUS_ZH
from central.params import RowId
from central.plans import lookups
from central.plans import service as plans
from central.plans.models import PlanRow
from central.plans.rules import RulesError
from central.plans.schemas import EditIn, TaskIn

from .actions import FormAction, back
from .errors import FormError
from .matter_side import KIND_ZH, PROCURATORATE, due_on
from .templating import LOCAL, templates

router = APIRouter()
MAX_ROWS = 120  # rows a form may carry (the plan keeps at most 100 tasks)
DUE_TIME = time(23, 59)  # a date typed as the deadline means by the end of that day
PLANNERS = ("leader", "admin")  # the roles of central.access.gates.Leader
PLANS = "#plans"  # the part of the matter page the forms go back to


def _matter(matter_id: str) -> str:
    return f"/console/matters/{matter_id}"


def _plan(session: Session, matter_id: str, plan_id: str, *, lock: bool = False) -> PlanRow:
    try:
        p = plans.get(session, plan_id, lock=lock)
    except plans.PlanError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    if p.matter_id != matter_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"方案 {plan_id} 不属于该事项")
    return p


def _organ(value: str, kinds: Mapping[str, str], n: int) -> tuple[str | None, str]:
    """(organ_id, organ_kind) of a task row's select."""
    if value == PROCURATORATE:
        return None, "procuratorate"
    if value.startswith("@") and value[1:] in KIND_ZH:
        return None, value[1:]  # kept unassigned: sending refuses until one is chosen
    if value not in kinds:
        raise FormError(f"第 {n} 项任务：单位不存在（{value}）")
    return value, kinds[value]


def _due(value: str, old: datetime | None, n: int) -> datetime:
    if not value:
        raise FormError(f"第 {n} 项任务：请填写期限")
    try:
        day = date.fromisoformat(value)
    except ValueError as e:
        raise FormError(f"第 {n} 项任务：期限应为日期（年-月-日）") from e
    if old is not None and due_on(old.isoformat()) == day:
        return old  # unchanged: keep the drafted time of day
    return datetime.combine(day, DUE_TIME, tzinfo=LOCAL)


def parse_edit(
    form: Mapping[str, Any], *, kinds: Mapping[str, str], old_due: Mapping[int, datetime]
) -> EditIn:
    """The edit form (``tasks-<i>-<field>`` rows) as the plans API's body. Rows ticked
    ``drop`` and new rows left empty are left out; kept rows keep their id (and progress)."""

    def get(key: str) -> str:
        v = form.get(key)
        return v.strip() if isinstance(v, str) else ""

    tasks = []
    for i in range(MAX_ROWS):
        pre = f"tasks-{i}-"
        if f"{pre}organ" not in form:
            break
        raw_id, description = get(f"{pre}id"), get(f"{pre}description")
        if get(f"{pre}drop") or (not raw_id and not description):
            continue
        n = i + 1
        task_id = int(raw_id) if raw_id.isdigit() else None
        if raw_id and (task_id is None or task_id not in old_due):
            raise FormError(f"第 {n} 项任务不属于该方案，请刷新页面")
        if not description:
            raise FormError(f"第 {n} 项任务：请填写任务内容")
        organ_id, organ_kind = _organ(get(f"{pre}organ"), kinds, n)
        old = old_due.get(task_id) if task_id is not None else None
        try:
            tasks.append(
                TaskIn(
                    id=task_id,
                    organ_id=organ_id,
                    organ_kind=organ_kind,
                    assignee=get(f"{pre}assignee"),
                    description=description,
                    due_at=_due(get(f"{pre}due"), old, n),
                )
            )
        except ValidationError as e:
            first = e.errors()[0]
            field = TaskIn.model_fields[str(first["loc"][0])].description
            raise FormError(f"第 {n} 项任务的{field}有误：{first['msg']}") from e
    if not tasks:
        raise FormError("方案至少要有一项任务")
    version = get("version")
    try:
        return EditIn(version=int(version or 0), title=get("title"), tasks=tasks)
    except (ValueError, ValidationError) as e:
        raise FormError("方案名称不能为空，且不超过 200 字；任务不超过 100 项") from e


@router.post("/matters/{matter_id}/plans")
async def draft(
    matter_id: str, request: Request, session: SessionDep, settings: SettingsDep, acc: Leader
) -> Response:
    plans.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    force = (await request.form()).get("force") == "1"
    refusals = (plans.PlanError, RulesError)  # a broken rules file: says which and why
    with FormAction(session, acc, back=_matter(matter_id), refusals=refusals, anchor=PLANS) as act:
        try:
            p = plans.draft(
                session, matter_id=matter_id, actor=acc.username, data_dir=settings.data_dir,
                force=force,
            )  # fmt: skip
        except plans.PlanError as e:
            if e.status == status.HTTP_404_NOT_FOUND:
                raise HTTPException(e.status, str(e)) from e
            raise
        if lookups.has_tasks(session, p.id):
            act.done("已起草协同接访方案：请核对任务、单位和期限后下发")
        else:
            act.done("已起草方案，但没有规则适用：请在下面添加任务")
    return act.response


@router.post("/matters/{matter_id}/plans/{plan_id}")
async def edit(
    matter_id: str, plan_id: str, request: Request, session: SessionDep, acc: Leader
) -> Response:
    form = await request.form()
    _plan(session, matter_id, plan_id)
    plans.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    kinds = lookups.organ_kinds(session)
    old_due = lookups.task_due_dates(session, plan_id)
    refusals = (FormError, plans.PlanError)
    with FormAction(session, acc, back=_matter(matter_id), refusals=refusals, anchor=PLANS) as act:
        body = parse_edit(form, kinds=kinds, old_due=old_due)
        p = plans.edit(
            session,
            plan_id=plan_id,
            version=body.version,
            title=body.title,
            tasks=[t.model_dump() for t in body.tasks],
            actor=acc.username,
        )
        act.done(f"方案已保存（第 {p.version} 版）")
    return act.response


@router.post("/matters/{matter_id}/plans/{plan_id}/send")
def send(matter_id: str, plan_id: str, session: SessionDep, acc: Leader) -> Response:
    _plan(session, matter_id, plan_id)
    plans.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    refusals = (plans.PlanError,)
    with FormAction(session, acc, back=_matter(matter_id), refusals=refusals, anchor=PLANS) as act:
        plans.send(session, plan_id=plan_id, scope=SiteScope.of(acc))
        to = "、".join(lookups.organ_names(session, plan_id)) or "本院承办人员"
        act.done(f"方案已下发给：{to}（事项已共享给这些单位）")
    return act.response


@router.post("/matters/{matter_id}/plans/tasks/{task_id}/progress")
async def progress(
    matter_id: str, task_id: RowId, request: Request, session: SessionDep, acc: Worker
) -> Response:
    """Our own staff's progress on a task of 本院; a leader may also record an organ's
    progress reported by phone or letter."""
    form = await request.form()
    found = lookups.task_of_matter(session, task_id, matter_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"任务不存在：{task_id}")
    t, p = found
    plans.guard(session, SiteScope.of(acc), matter_id=matter_id, write=True)
    if t.organ_id is not None and acc.role not in PLANNERS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "该任务由有关单位报告进度")
    if p.status == "draft":
        return back(_matter(matter_id), "方案尚未下发，不能报告进度", error=True, anchor=PLANS)
    state, note = str(form.get("status", "")), str(form.get("note", ""))[:4000]
    with FormAction(
        session, acc, back=_matter(matter_id), refusals=(plans.PlanError,), request=request,
        anchor=PLANS,
    ) as act:  # fmt: skip
        plans.update_task(
            session, organ_id=None, task_id=task_id, status=state, note=note, actor=acc.username
        )
        act.audit(
            "plan.progress", f"matter:{matter_id}", f"任务 {task_id}：{TASK_STATUS_ZH[state]}"
        )
        act.done(f"已记录进度：{TASK_STATUS_ZH[state]}")
    return act.response


@router.get("/plans/panel", response_class=HTMLResponse)
def panel(
    request: Request, session: SessionDep, acc: Reader, matter_id: str, reason: str = ""
) -> HTMLResponse:
    """The matter page's fragment: its plans and their tasks' progress."""
    scope = SiteScope.of(acc, reason=reason)
    plans.guard(session, scope, matter_id=matter_id, write=False)
    ctx = {"plans": plans.for_matter(session, matter_id)}
    return templates().TemplateResponse(request, "plans/_progress.html", ctx)
