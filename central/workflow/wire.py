"""From the box's ``workflow.step`` event to a machine command.

The touchscreen sends the step's form as ``fields`` (string → string). Keys used:
``reason``, ``documents`` (comma-separated ids/hashes), ``target_organ``, ``waived``
(``"1"``/``"true"``); the free ``note`` stands in for a missing reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from central.audit import service as audit
from central.db import utcnow
from protocol.messages import WorkflowStepDone
from protocol.petitions import channel_of

from . import service
from .config import WorkflowConfig
from .errors import IllegalTransition, WindowClosed, WorkflowError
from .models import MatterRow, MatterVisitRow, PendingStepRow
from .service import MatterNotFound
from .states import Action, Command


def command_from_step(body: WorkflowStepDone) -> Command:
    f = body.fields
    docs = tuple(d.strip() for d in f.get("documents", "").split(",") if d.strip())
    return Command(
        action=Action(body.step),
        actor=body.officer_id,
        at=datetime.fromtimestamp(body.at / 1000, UTC),
        reason=(f.get("reason") or body.note).strip(),
        documents=docs,
        target_organ=(f.get("target_organ") or "").strip() or None,
        waived=f.get("waived", "").strip().lower() in ("1", "true", "yes"),
    )


def project_steps(
    session: Session,
    steps: list[tuple[WorkflowStepDone, str, str | None]],
    *,
    config: WorkflowConfig,
) -> None:
    """Apply the box's steps that name a matter (``matter_ref``), inside ingest's
    transaction. ``steps`` holds (body, reception_id, person_id) in arrival order.

    * ``register`` naming an unknown matter opens it (id = ``matter_ref``);
    * any step naming a known matter links the visit to it (a repeat visit need not
      be retold); on a repeat visit ``register``/``notify`` are the desk's own procedure
      and only link; other steps are applied to the matter.
    * A step that arrived before what it follows (its matter not yet registered, or
      the matter not yet in the state the step needs: a resent earlier event is still
      on its way) is **parked** (``matter_step_pending``) and applied, in the order
      the steps were taken, as soon as the matter's earlier steps have arrived.
    * A step the machine refuses for any other reason (a missing field, a closed
      window, a date before the previous step) is kept out (savepoint) and written to
      the audit log with the reason: ingest never fails, nothing is dropped silently.
    """
    for body, reception_id, person_id in steps:
        ref = (body.matter_ref or "").strip()
        if not ref:
            continue
        outcome = _apply_one(session, body, reception_id, person_id, config)
        if outcome is None:
            _replay_parked(session, ref, config)
        else:
            _park_or_refuse(session, body, reception_id, person_id, outcome)


def _apply_one(
    session: Session,
    body: WorkflowStepDone,
    reception_id: str,
    person_id: str | None,
    config: WorkflowConfig,
) -> Exception | None:
    """Apply one step in a savepoint; the error that refused it, or None."""

    ref = (body.matter_ref or "").strip()
    cmd = command_from_step(body)
    try:
        with session.begin_nested():
            row = session.get(MatterRow, ref)
            if row is None and body.step == "register" and len(ref) <= 36:
                f = body.fields  # the desk writes 诉求 as "request"
                summary = f.get("request") or f.get("诉求") or f.get("summary") or body.note
                service.open_matter_uncommitted(
                    session,
                    command=cmd,
                    officer_id=body.officer_id,
                    summary=summary[:2000],
                    person_ids=[person_id] if person_id else [],
                    reception_id=reception_id,
                    matter_id=ref,
                    config=config,
                    channel=channel_of(f.get("source")),  # 来源 on the desk's 登记
                )
                return None
            if row is None:
                raise service.MatterNotFound(f"事项不存在：{ref}")
            if session.get(MatterVisitRow, (ref, reception_id)) is None:
                session.add(
                    MatterVisitRow(
                        matter_id=ref, reception_id=reception_id, linked_at=cmd.at,
                        linked_by=cmd.actor,
                    )
                )  # fmt: skip
                session.flush()
                service.store_risk(session, service.load(session, ref)[1], config, cmd.at)
            repeat_visit = row.reception_id != reception_id
            if body.step == "register" or (body.step == "notify" and repeat_visit):
                return None  # the desk's own 登记/告知 of a repeat visit: linked only
            service.apply_step_uncommitted(session, matter_id=ref, command=cmd, config=config)
    except (WorkflowError, ValueError) as e:
        return e
    return None


def _may_follow_later(e: Exception) -> bool:
    """Refused only because an earlier step has not arrived yet."""

    return isinstance(e, MatterNotFound) or (
        isinstance(e, IllegalTransition) and not isinstance(e, WindowClosed)
    )


def _park_or_refuse(
    session: Session,
    body: WorkflowStepDone,
    reception_id: str,
    person_id: str | None,
    e: Exception,
) -> None:

    ref = (body.matter_ref or "").strip()
    parked = _may_follow_later(e) and len(ref) <= 36
    if parked:
        session.add(
            PendingStepRow(
                matter_ref=ref, reception_id=reception_id, person_id=person_id,
                step_at=datetime.fromtimestamp(body.at / 1000, UTC),
                body=body.model_dump(mode="json"), reason=str(e)[:2000], parked_at=utcnow(),
            )
        )  # fmt: skip
    audit.record(
        session,
        actor=body.officer_id,
        action="matter.step.parked" if parked else "matter.step.refused",
        target=f"matter:{ref[:100]}",
        reason=f"{body.step}（接访 {reception_id}）：{e}"
        + ("；待此前的步骤到达后补办" if parked else ""),
    )


def _replay_parked(session: Session, ref: str, config: WorkflowConfig) -> None:
    """Apply the matter's parked steps that now fit, in the order they were taken,
    until none does (each success may make room for the next)."""
    from sqlalchemy import select

    while True:
        parked = session.scalars(
            select(PendingStepRow)
            .where(PendingStepRow.matter_ref == ref)
            .order_by(PendingStepRow.step_at, PendingStepRow.id)
        ).all()
        for row in parked:
            body = WorkflowStepDone.model_validate(row.body)
            if _apply_one(session, body, row.reception_id, row.person_id, config) is None:
                session.delete(row)
                audit.record(
                    session,
                    actor=body.officer_id,
                    action="matter.step.replayed",
                    target=f"matter:{ref}",
                    reason=f"{body.step}（接访 {row.reception_id}）：此前的步骤已到，补办",
                )
                session.flush()
                break  # start again from the earliest: the state has moved
        else:
            return
