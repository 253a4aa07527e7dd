"""The end of a reception: cancelling it, or, the steps done, the petitioner's rating
on the desk's buttons (or none, when they leave without pressing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_glue.pinmap import Rating

from ...session import Reception
from ..errors import DeskError

if TYPE_CHECKING:
    from ..desk import Desk


class FinishFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def cancel(self, reason: str) -> None:
        """Cancel the reception (started by mistake, the petitioner left early)."""
        d = self.desk
        with d.lock:
            r = d.open_reception()
            reason = reason.strip()
            if not reason:
                raise DeskError("请填写撤销原因")
            if r.rating is not None:
                raise DeskError("当事人已评价，接待已结束，不能撤销")
            d.finish(r, cancel_reason=reason[:200])

    def arm_rating(self) -> None:
        """The officer finished: light the petitioner's buttons; a press ends the reception."""
        d = self.desk
        with d.lock:
            d.open_reception()
            if d.procedure.allowed():
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
            if d.procedure.allowed():
                raise DeskError("还有未完成的步骤")
            d.finish(r, unrated=True)
