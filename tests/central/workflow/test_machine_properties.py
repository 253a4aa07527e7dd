"""Random sequences of steps never leave a matter in an invalid state."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from central.workflow.errors import IllegalTransition, InvalidStep
from central.workflow.invariants import violations
from central.workflow.machine import DEFAULT_POLICY, allowed_actions, apply, register, replay
from central.workflow.states import Action, Matter, PauseKind

from .helpers import T0, cmd


class MatterLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.matter: Matter = register("m-prop", cmd(Action.register, T0))
        self.now = T0

    @rule(
        action=st.sampled_from(list(Action)),
        advance_h=st.integers(min_value=0, max_value=24 * 40),
        complete=st.booleans(),
        waived=st.booleans(),
        hearing=st.booleans(),
        days=st.integers(min_value=-2, max_value=40),
    )
    def step(
        self, action: Action, advance_h: int, complete: bool, waived: bool, hearing: bool, days: int
    ) -> None:
        self.now += timedelta(hours=advance_h)
        kw: dict[str, object] = {"waived": waived, "extension_days": days}
        if hearing:
            kw["pause_kind"] = PauseKind.hearing
        if not complete:
            kw.update(reason="", documents=(), target_organ=None, approved_by=None)
        allowed = allowed_actions(self.matter, self.now)
        before = self.matter
        try:
            self.matter = apply(self.matter, cmd(action, self.now, **kw))
        except IllegalTransition as e:
            assert set(e.allowed) == set(allowed)
            assert self.matter is before
            return
        except InvalidStep:
            assert self.matter is before
            return
        # Anything that went through was announced as allowed.
        assert action in allowed
        assert self.matter.history[:-1] == before.history

    @rule(data=st.data(), advance_h=st.integers(min_value=0, max_value=24 * 20))
    def allowed_step(self, data: st.DataObject, advance_h: int) -> None:
        """Mostly-legal walk, so deep statuses (复核, 归档) are reached too."""
        self.now += timedelta(hours=advance_h)
        allowed = allowed_actions(self.matter, self.now)
        if not allowed:
            return
        action = data.draw(st.sampled_from(allowed))
        kinds = [PauseKind.awaiting_materials, PauseKind.hearing]
        kw = {"pause_kind": data.draw(st.sampled_from(kinds)), "extension_days": 30}
        try:
            self.matter = apply(self.matter, cmd(action, self.now, **kw))
        except IllegalTransition as e:
            # Only the documented exceptions to "allowed means accepted".
            assert action in (Action.pause, Action.archive), e

    @invariant()
    def valid(self) -> None:
        assert violations(self.matter, DEFAULT_POLICY) == []

    @invariant()
    def history_replays_to_the_same_matter(self) -> None:
        assert replay(self.matter.id, self.matter.history) == self.matter


MatterLife.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestMatterLife = MatterLife.TestCase
