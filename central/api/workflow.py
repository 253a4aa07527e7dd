"""``/api/matters``: thin views over ``service`` (the lead mounts ``router``).

An illegal step answers 409 with the allowed next steps; a step lacking a required
detail 422; a concurrent update 409 (refresh and retry); nothing is half-applied.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session

from central.access.gates import Reader, Worker
from central.access.scope import SiteScope
from central.db import utcnow
from central.deps import SessionDep, client_address
from central.workflow import service
from central.workflow.clocks import clocks
from central.workflow.config import WorkflowConfig
from central.workflow.machine import allowed_actions
from central.workflow.models import MatterRow
from central.workflow.risk import NO_RISK, assess
from central.workflow.schemas import (
    ClockPublic,
    MatterCreate,
    MatterPublic,
    RiskPublic,
    StepCreate,
    StepOption,
    TransitionPublic,
    VisitLink,
)
from central.workflow.states import ACTION_ZH, STATUS_ZH, Action, Command, Matter


def get_config(request: Request) -> WorkflowConfig:
    """The site's rules, loaded from its settings when the app was made."""
    cfg: WorkflowConfig = request.app.state.workflow_config
    return cfg


def get_now() -> datetime:
    """Server time of a step (a dependency, so tests can set the clock)."""
    return utcnow()


ConfigDep = Annotated[WorkflowConfig, Depends(get_config)]
NowDep = Annotated[datetime, Depends(get_now)]

router = APIRouter(prefix="/api/matters", tags=["matters"])


def _options(actions: tuple[Action, ...]) -> list[dict[str, str]]:
    return [{"action": a.value, "label": ACTION_ZH[a]} for a in actions]


def stored_risk(
    session: Session, row: MatterRow, m: Matter, cfg: WorkflowConfig, now: datetime
) -> RiskPublic:
    """The matter's risk as stored (what lists, the dossier and 督办 show), so every
    page says the same; kept fresh by each step, each rating or risk that reaches the
    matter at ingest, and each alert scan (the days overdue). A matter stored before
    risks were kept is assessed now."""
    if row.risk_level is None:
        a = assess(service.risk_facts(session, m, cfg, now), cfg.risk)
        return RiskPublic(level=a.level.wire, reasons=[f.reason for f in a.findings])
    reasons = [r for r in (row.risk_reason or "").split("；") if r and r != NO_RISK]
    return RiskPublic(level=row.risk_level, reasons=reasons)


def _public(
    session: Session, row: MatterRow, m: Matter, cfg: WorkflowConfig, now: datetime
) -> MatterPublic:
    return MatterPublic(
        id=m.id,
        ref_no=row.ref_no,
        site=row.site,
        channel=row.channel or "visit",
        source_organ=row.source_organ,
        source_ref=row.source_ref,
        status=m.status.value,
        status_label=STATUS_ZH[m.status] + ("（计时中止）" if m.paused else ""),
        summary=row.summary,
        officer_id=row.officer_id,
        leader_id=row.leader_id,
        persons=service.persons(session, m.id),
        visits=service.visits(session, m.id),
        registered_at=m.history[0].at,
        supervisions=m.supervisions,
        paused=m.paused is not None,
        allowed=[StepOption(**o) for o in _options(allowed_actions(m, now, cfg.policy))],
        clocks=[
            ClockPublic(**{k: v for k, v in asdict(c).items() if k != "completed_at"})
            for c in clocks(m, cfg.rules, cfg.calendar, now)
        ],
        risk=stored_risk(session, row, m, cfg, now),
        history=[
            TransitionPublic(
                seq=t.seq,
                action=t.action,
                label=ACTION_ZH[t.action],
                from_status=t.from_status.value if t.from_status else None,
                to_status=t.to_status.value,
                actor=t.actor,
                at=t.at,
                reason=t.reason,
                documents=list(t.documents),
                details=dict(t.details),
            )
            for t in reversed(m.history)  # newest first, as the dossier shows it
        ],
    )


def step_command(body: StepCreate, *, actor: str, now: datetime) -> Command:
    """The machine command for a validated step (the API and the console share it)."""
    return Command(
        action=Action(body.action),
        actor=actor,
        at=now,
        reason=body.reason,
        documents=tuple(body.documents),
        target_organ=body.target_organ,
        extension_days=body.extension_days,
        approved_by=body.approved_by,
        notice_document=body.notice_document,
        pause_kind=body.pause_kind,
        waived=body.waived,
    )


def matter_view(
    session: Session, matter_id: str, cfg: WorkflowConfig, now: datetime
) -> MatterPublic:
    """The matter as the API shows it (clock, next allowed steps, history)."""
    return _view(session, matter_id, cfg, now)


def _view(session: Session, matter_id: str, cfg: WorkflowConfig, now: datetime) -> MatterPublic:
    row, m = service.load(session, matter_id)  # WorkflowError: central.api.errors
    return _public(session, row, m, cfg, now)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_matter(
    body: MatterCreate, session: SessionDep, acc: Worker, cfg: ConfigDep, now: NowDep
) -> MatterPublic:
    cmd = Command(
        action=Action.register,
        actor=acc.actor,
        at=now,
        reason=body.reason,
        documents=tuple(body.documents),
    )
    m = service.register_for(
        session,
        scope=SiteScope.of(acc),
        command=cmd,
        officer_id=body.officer_id,
        summary=body.summary,
        person_ids=body.person_ids,
        reception_id=body.reception_id,
        leader_id=body.leader_id,
        config=cfg,
    )
    return _view(session, m.id, cfg, now)


@router.get("/steps/pending")
def pending_steps(
    session: SessionDep, acc: Worker, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """Box steps waiting for the steps they follow (see ``wire.project_steps``): oldest
    first; one that stays here long was likely taken in error at the desk. The
    account's own site's desks only."""
    rows = service.pending_steps(session, site=acc.site, limit=limit)
    return [
        {
            "matter_ref": r.matter_ref, "reception_id": r.reception_id,
            "step": r.body.get("step"), "officer_id": r.body.get("officer_id"),
            "step_at": r.step_at.isoformat(), "parked_at": r.parked_at.isoformat(),
            "reason": r.reason,
        }
        for r in rows
    ]  # fmt: skip


@router.get("/{matter_id}")
def read_matter(
    matter_id: str,
    request: Request,
    session: SessionDep,
    acc: Reader,
    cfg: ConfigDep,
    now: NowDep,
    reason: Annotated[str, Query(max_length=500, description="why (another site's)")] = "",
) -> MatterPublic:
    """A matter with its clocks, steps and persons: audited; another site's matter only
    with a stated reason."""
    out = _view(session, matter_id, cfg, now)
    service.record_read(
        session, matter_id=matter_id, scope=SiteScope.of(acc, reason=reason),
        client=client_address(request),
    )  # fmt: skip
    return out


@router.post("/{matter_id}/steps")
def take_step(
    matter_id: str,
    body: StepCreate,
    session: SessionDep,
    acc: Worker,
    cfg: ConfigDep,
    now: NowDep,
) -> MatterPublic:
    cmd = step_command(body, actor=acc.actor, now=now)
    service.apply_step(
        session, matter_id=matter_id, command=cmd, config=cfg, scope=SiteScope.of(acc)
    )
    return _view(session, matter_id, cfg, now)


@router.post("/{matter_id}/visits", status_code=status.HTTP_204_NO_CONTENT)
def link_visit(
    matter_id: str, body: VisitLink, session: SessionDep, acc: Worker, now: NowDep,
    cfg: ConfigDep,
) -> None:  # fmt: skip
    service.link_visit(
        session, matter_id=matter_id, reception_id=body.reception_id,
        scope=SiteScope.of(acc), at=now, config=cfg,
    )  # fmt: skip
