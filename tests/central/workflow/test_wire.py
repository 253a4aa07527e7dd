"""The wire's WorkflowStep names are the machine's actions; box events map to commands."""

from __future__ import annotations

import typing
from datetime import UTC, datetime

from central.workflow.states import ACTION_ZH, Action
from central.workflow.wire import command_from_step
from protocol.messages import WorkflowStep, WorkflowStepDone

RID = "0190f3c2-0000-7000-8000-000000000001"


def test_every_wire_step_is_an_action_with_a_label():
    wire = set(typing.get_args(WorkflowStep))
    assert wire == {
        "register", "notify", "accept", "decline", "transfer", "handle",
        "reply", "review", "re_review", "supervise", "archive",
    }  # fmt: skip
    assert wire <= {a.value for a in Action}
    assert all(ACTION_ZH[Action(w)] for w in wire)


def test_step_event_becomes_a_command():
    body = WorkflowStepDone(
        reception_id=RID,
        officer_id="officer-3",
        step="transfer",
        at=1_772_413_200_000,
        fields={"target_organ": " 某县人民政府 ", "documents": "a1, b2,,"},
        note="不属于检察机关管辖",
    )
    c = command_from_step(body)
    assert (c.action, c.actor, c.target_organ) == (Action.transfer, "officer-3", "某县人民政府")
    assert c.documents == ("a1", "b2") and c.reason == "不属于检察机关管辖"
    assert c.at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC) and not c.waived


def test_reason_field_wins_over_the_note_and_waiver_is_read():
    body = WorkflowStepDone(
        reception_id=RID,
        officer_id="o",
        step="archive",
        at=0,
        fields={"reason": "信访人表示满意，放弃复查", "waived": "true"},
        note="备注",
    )
    c = command_from_step(body)
    assert c.reason == "信访人表示满意，放弃复查" and c.waived
