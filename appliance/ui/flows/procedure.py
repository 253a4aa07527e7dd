"""The procedure screens (全程导航): the steps, then the petitioner's rating."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_glue.pinmap import Rating
from protocol.messages import RiskNote

from ...session import Reception, ReceptionError
from ..errors import DeskError
from ..steps import STEPS, StepInputError, clean_fields, next_steps

if TYPE_CHECKING:
    from ..desk import Desk


class ProcedureFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def step(self, step: str, form: dict[str, str]) -> None:
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if step not in next_steps(r.steps) or d.rating_armed:
                raise DeskError(f"现在不能进行「{STEPS[step].title if step in STEPS else step}」")
            try:
                fields = clean_fields(STEPS[step], form)
            except StepInputError as e:
                raise DeskError(str(e)) from e
            level = fields.pop("risk_level", "")
            reason = fields.pop("risk_reason", "")
            risk = (
                RiskNote.model_validate({"level": level, "reason": reason or "未说明"})
                if level
                else None
            )
            try:
                r.step(step, fields=fields, risk=risk)
            except ReceptionError as e:
                raise DeskError(str(e)) from e

    def arm_rating(self) -> None:
        """The officer finished: light the petitioner's buttons; a press ends the reception."""
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if next_steps(r.steps):
                raise DeskError("还有未完成的步骤，不能进入评价")
            d.rating_armed = True
            d.panel.arm(on_rating=self._rated)

    def _rated(self, rating: Rating) -> None:  # on the panel's thread
        d = self.desk
        with d.lock:
            r = d.reception
            if r is None or not d.rating_armed:
                return
            r.rate(rating, source="button")
            d.finish(r)

    def end_unrated(self) -> None:
        """The petitioner left without pressing a button."""
        d = self.desk
        with d.lock:
            r: Reception = d.open_reception()
            if next_steps(r.steps):
                raise DeskError("还有未完成的步骤")
            d.finish(r, unrated=True)
