"""The procedure screens (全程导航): the matter, its steps (登记, 告知, 受理, 决定 ...)
and corrections; then ``finish.py`` (cancelling, the petitioner's rating).

登记 opens a new matter (its id, a UUIDv7, is made here so the desk works offline)
or links the visit to an open matter of the person that the officer picks from the
dossier; every later step of the reception names that matter (``matter_ref``), so
central applies it to the matter and its statutory clocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.ids import uuid7
from protocol.matters import AWAITING_DECISION
from protocol.messages import RiskNote

from ...central_client import DossierMatter
from ...session import ReceptionError, StepRecord
from ..errors import DeskError
from ..steps import REGISTER_LINKED, STEPS, StepDef, StepInputError, clean_fields, next_steps

if TYPE_CHECKING:
    from ..desk import Desk

NEW = "new"


@dataclass(frozen=True)
class MatterChoice:
    """The matter this reception is about: opened here, or an open one linked to."""

    ref: str
    new: bool
    linked: DossierMatter | None = None  # what the dossier said of it, when linked

    @property
    def registered_ms(self) -> int | None:
        """When its clocks started (a linked matter's registration)."""
        return int(self.linked.registered_at.timestamp() * 1000) if self.linked else None


class ProcedureFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # --- the matter -----------------------------------------------------------------

    def open_matters(self) -> list[DossierMatter]:
        ident = self.desk.identified
        return ident.timeline.open_matters if ident and ident.timeline else []

    def needs_choice(self) -> bool:
        """A returning visitor with open matters: the officer picks before 登记."""
        d = self.desk
        return d.matter is None and bool(self.open_matters()) and not d.open_reception().steps

    def choose(self, choice: str) -> MatterChoice:
        """``new``, or the id of one of the person's open matters."""
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if r.steps:
                raise DeskError("已登记，不能再改选事项")
            if choice == NEW:
                d.matter = MatterChoice(str(uuid7(d.now_ms())), new=True)
                return d.matter
            hit = next((m for m in self.open_matters() if m.id == choice), None)
            if hit is None:
                raise DeskError("请从当事人的未结事项中选择，或登记新事项")
            d.matter = MatterChoice(hit.id, new=False, linked=hit)
            return d.matter

    def allowed(self) -> tuple[str, ...]:
        """The steps the officer may take now: the procedure's next steps, less the
        decision when a linked matter was decided at an earlier visit."""
        d = self.desk
        r = d.open_reception()
        steps = next_steps(r.steps)
        m = d.matter
        if m is not None and m.linked is not None and m.linked.status_key not in AWAITING_DECISION:
            steps = tuple(s for s in steps if s not in ("accept", "decline", "transfer"))
        return steps

    def form_of(self, step: str) -> StepDef:
        """The form of ``step`` as this reception asks it (nothing asked twice)."""
        m = self.desk.matter
        if step == "register" and m is not None and not m.new:
            return REGISTER_LINKED
        return STEPS[step]

    # --- steps ----------------------------------------------------------------------

    def step(self, step: str, form: dict[str, str]) -> None:
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if step not in self.allowed() or d.rating_armed:
                raise DeskError(f"现在不能进行「{STEPS[step].title if step in STEPS else step}」")
            if step == "register" and d.matter is None:
                if self.open_matters():
                    raise DeskError("当事人有未结事项：请先选择并入哪一件，或登记新事项")
                self.choose(NEW)
            assert d.matter is not None
            try:
                fields = clean_fields(self.form_of(step), form)
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
                r.step(step, fields=fields, risk=risk, matter_ref=d.matter.ref)
            except ReceptionError as e:  # the session's English is for the log
                raise DeskError("本次接待已结束或已评价，不能再记录步骤") from e

    def record_of(self, event_id: str) -> StepRecord:
        r = self.desk.open_reception()
        hit = next((x for x in r.records if x.event_id == event_id), None)
        if hit is None:
            raise DeskError("没有这一步骤")
        return hit

    def correct(self, event_id: str, form: dict[str, str], reason: str) -> None:
        """Correct a confirmed step's form (the step itself stands)."""
        d = self.desk
        with d.lock:
            r = d.open_reception()
            if d.rating_armed:
                raise DeskError("已进入评价环节，不能再更正")
            rec = self.record_of(event_id)
            reason = reason.strip()
            if not reason:
                raise DeskError("请填写更正原因")
            try:
                fields = clean_fields(self.form_of(rec.step), form)
            except StepInputError as e:
                raise DeskError(str(e)) from e
            fields.pop("risk_level", None)  # a risk only rises: a new risk is a new note
            fields.pop("risk_reason", None)
            try:
                r.correct(event_id, fields=fields, reason=reason[:200])
            except ReceptionError as e:
                raise DeskError("本次接待已结束或已评价，不能再更正") from e
