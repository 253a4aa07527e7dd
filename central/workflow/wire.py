"""From the box's ``workflow.step`` event to a machine command.

The touchscreen sends the step's form as ``fields`` (string → string). Keys used:
``reason``, ``documents`` (comma-separated ids/hashes), ``target_organ``, ``waived``
(``"1"``/``"true"``); the free ``note`` stands in for a missing reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from protocol.messages import WorkflowStepDone

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
