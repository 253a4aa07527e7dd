"""From the box's ``workflow.step`` event to a machine command.

The touchscreen sends the step's form as ``fields`` (string → string). Keys used:
``reason``, ``documents`` (comma-separated ids/hashes), ``target_organ``, ``waived``
(``"1"``/``"true"``); the free ``note`` stands in for a missing reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from protocol.messages import WorkflowStepDone

from .config import WorkflowConfig
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
    A step the machine refuses is kept out (savepoint) and written to the audit log
    with the reason: ingest never fails, and nothing is dropped silently.
    """
    from central.audit import service as audit

    from . import service
    from .errors import WorkflowError
    from .models import MatterRow, MatterVisitRow

    for body, reception_id, person_id in steps:
        ref = (body.matter_ref or "").strip()
        if not ref:
            continue
        cmd = command_from_step(body)
        try:
            with session.begin_nested():
                row = session.get(MatterRow, ref)
                if row is None and body.step == "register" and len(ref) <= 36:
                    summary = body.fields.get("诉求") or body.fields.get("summary") or body.note
                    service.open_matter_uncommitted(
                        session,
                        command=cmd,
                        officer_id=body.officer_id,
                        summary=summary[:2000],
                        person_ids=[person_id] if person_id else [],
                        reception_id=reception_id,
                        matter_id=ref,
                    )
                    continue
                if row is None:
                    raise service.MatterNotFound(f"事项不存在：{ref}")
                if session.get(MatterVisitRow, (ref, reception_id)) is None:
                    session.add(
                        MatterVisitRow(
                            matter_id=ref,
                            reception_id=reception_id,
                            linked_at=cmd.at,
                            linked_by=cmd.actor,
                        )
                    )
                repeat_visit = row.reception_id != reception_id
                if body.step == "register" or (body.step == "notify" and repeat_visit):
                    continue  # the desk's own 登记/告知 of a repeat visit: linked only
                service.apply_step_uncommitted(session, matter_id=ref, command=cmd, config=config)
        except (WorkflowError, ValueError) as e:
            audit.record(
                session,
                actor=body.officer_id,
                action="matter.step.refused",
                target=f"matter:{ref[:100]}",
                reason=f"{body.step}（接访 {reception_id}）：{e}",
            )
