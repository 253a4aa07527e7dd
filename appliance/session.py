"""One reception at the desk, as a small state machine that writes events.

Every step is committed to the outbox (``append``) before the call returns, so what
the officer saw confirmed on screen is what central eventually receives.

    idle ──start──▶ open ──identify / step──▶ open ──rate──▶ rated ──end──▶ ended
                     └──────────────end(unrated=True)──────────────────────▶ ended
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from protocol.envelope import Envelope
from protocol.ids import uuid7
from protocol.messages import (
    Body,
    IdentityChecked,
    PersonRef,
    RatingGiven,
    ReceptionCancelled,
    ReceptionEnded,
    ReceptionStarted,
    RiskNote,
    StepCorrected,
    VisitorAdded,
    WorkflowStepDone,
)

Rating = Literal["satisfied", "basically_satisfied", "dissatisfied"]


class EventSink(Protocol):
    def append(self, body: Body) -> Envelope: ...


class ReceptionError(RuntimeError):
    """A step was asked for in an order the procedure does not allow."""


@dataclass
class StepRecord:
    """A step as confirmed at the desk (``fields`` as last corrected)."""

    step: str
    event_id: str
    at: int  # ms since the epoch, as sent
    fields: dict[str, str]
    matter_ref: str | None


def _new_id() -> str:
    return str(uuid7())


class Reception:
    """A reception from the officer's sign-in to the petitioner's rating."""

    def __init__(
        self,
        *,
        outbox: EventSink,
        clock_ms: Callable[[], int],
        new_id: Callable[[], str] = _new_id,
    ) -> None:
        self._outbox, self._clock_ms, self._new_id = outbox, clock_ms, new_id
        self.reception_id: str | None = None
        self.officer_id: str | None = None
        self.kind = "walk_in"
        self.rating: Rating | None = None
        self.ended = False
        self.events = 0
        self.records: list[StepRecord] = []

    @property
    def steps(self) -> list[str]:
        """The steps done so far, in order."""
        return [r.step for r in self.records]

    @property
    def state(self) -> str:
        if self.reception_id is None:
            return "idle"
        if self.ended:
            return "ended"
        return "rated" if self.rating is not None else "open"

    def _emit(self, body: Body) -> Envelope:
        env = self._outbox.append(body)
        self.events += 1
        return env

    def _require_open(self, what: str) -> tuple[str, str]:
        if self.reception_id is None or self.officer_id is None:
            raise ReceptionError(f"cannot {what}: the reception has not started")
        if self.ended:
            raise ReceptionError(f"cannot {what}: reception {self.reception_id} has ended")
        return self.reception_id, self.officer_id

    def start(self, officer_id: str, *, kind: str = "walk_in", visitors: int = 1) -> str:
        """The signed-in officer opens a reception; returns its id."""
        if self.reception_id is not None:
            raise ReceptionError(f"reception {self.reception_id} has already started")
        rid = self._new_id()
        body = ReceptionStarted.model_validate(
            {
                "reception_id": rid,
                "officer_id": officer_id,
                "started_at": self._clock_ms(),
                "kind": kind,
                "visitors": visitors,
            }
        )
        self._emit(body)
        self.reception_id, self.officer_id, self.kind = rid, officer_id, kind
        return rid

    def identify(
        self,
        person: PersonRef | None,
        *,
        method: str = "id_number",
        outcome: str = "verified",
        score_permille: int | None = None,
        consent_id: str | None = None,
    ) -> Envelope:
        rid, oid = self._require_open("identify the petitioner")
        if self.rating is not None:
            raise ReceptionError("cannot identify the petitioner after the rating")
        body = IdentityChecked.model_validate(
            {
                "reception_id": rid,
                "officer_id": oid,
                "subject": "petitioner",
                "method": method,
                "outcome": outcome,
                "person": person,
                "score_permille": score_permille,
                "consent_id": consent_id,
            }
        )
        return self._emit(body)

    def step(
        self,
        step: str,
        *,
        fields: dict[str, str] | None = None,
        note: str = "",
        matter_ref: str | None = None,
        risk: RiskNote | None = None,
    ) -> Envelope:
        """A workflow step done (登记 register, 告知 notify, 受理 accept, …)."""
        rid, oid = self._require_open(f"record step {step!r}")
        if self.rating is not None:
            raise ReceptionError(f"cannot record step {step!r} after the rating")
        data: dict[str, Any] = {
            "reception_id": rid,
            "officer_id": oid,
            "step": step,
            "at": self._clock_ms(),
            "fields": fields or {},
            "note": note,
            "matter_ref": matter_ref,
            "risk": risk,
        }
        env = self._emit(WorkflowStepDone.model_validate(data))
        self.records.append(
            StepRecord(step, env.event_id, data["at"], dict(fields or {}), matter_ref)
        )
        return env

    def correct(self, event_id: str, *, fields: dict[str, str], reason: str) -> Envelope:
        """Correct a confirmed step's form; ``fields`` is the whole form as corrected."""
        rid, oid = self._require_open("correct a step")
        if self.rating is not None:
            raise ReceptionError("cannot correct a step after the rating")
        rec = next((r for r in self.records if r.event_id == event_id), None)
        if rec is None:
            raise ReceptionError(f"no step {event_id} in reception {rid}")
        body = StepCorrected.model_validate(
            {
                "reception_id": rid,
                "officer_id": oid,
                "corrects": event_id,
                "step": rec.step,
                "at": self._clock_ms(),
                "fields": fields,
                "reason": reason,
            }
        )
        env = self._emit(body)
        rec.fields = dict(fields)
        return env

    def add_visitor(self, person: PersonRef, *, role: str) -> Envelope:
        """One more person of a group visit (a representative or a member)."""
        rid, oid = self._require_open("add a visitor")
        body = VisitorAdded.model_validate(
            {
                "reception_id": rid,
                "officer_id": oid,
                "person": person,
                "role": role,
                "at": self._clock_ms(),
            }
        )
        return self._emit(body)

    def cancel(self, reason: str) -> Envelope:
        """Cancel the reception: it ends here, with no rating."""
        rid, oid = self._require_open("cancel the reception")
        if self.rating is not None:
            raise ReceptionError(f"reception {rid} was rated: it cannot be cancelled")
        body = ReceptionCancelled.model_validate(
            {
                "reception_id": rid,
                "officer_id": oid,
                "at": self._clock_ms(),
                "events": self.events + 1,
                "reason": reason,
            }
        )
        env = self._emit(body)
        self.ended = True
        return env

    def rate(self, rating: Rating, *, source: Literal["button", "screen"] = "button") -> Envelope:
        """The petitioner's rating: exactly one per reception."""
        rid, _ = self._require_open("take a rating")
        if self.rating is not None:
            raise ReceptionError(f"reception {rid} already has a rating ({self.rating})")
        body = RatingGiven.model_validate(
            {"reception_id": rid, "rating": rating, "at": self._clock_ms(), "source": source}
        )
        env = self._emit(body)
        self.rating = rating
        return env

    def end(self, *, risk: RiskNote | None = None, unrated: bool = False) -> Envelope:
        """Close the reception; ``unrated=True`` when the petitioner left without rating."""
        rid, oid = self._require_open("end the reception")
        if self.rating is None and not unrated:
            raise ReceptionError(
                f"reception {rid} has no rating yet; pass unrated=True if the petitioner left"
            )
        body = ReceptionEnded.model_validate(
            {
                "reception_id": rid,
                "officer_id": oid,
                "ended_at": self._clock_ms(),
                "events": self.events + 1,  # this one included
                "risk": risk,
            }
        )
        env = self._emit(body)
        self.ended = True
        return env
