"""The one table from the packages' errors to HTTP answers.

Each package has one root error (``central/<package>/errors.py``, in the way of
gpiozero's ``exc.py``). A route lets a domain error listed here rise; the handler
``central.console.errors.domain_error`` (installed by ``create_app``) answers it with
its status and detail (``{"detail": message}``, or the dict of an ``Answer`` such as
the workflow's ``{code, message, allowed}`` or an upload's ``{reason, message, retry}``,
on the JSON API; an error page on a console path), as ``HTTPException`` would.

Routes still translate a builtin (``ValueError``, ``LookupError``, ``PermissionError``)
where they meet one, and the public progress look-up answers its own fixed words and
``Retry-After`` (``central.api.progress``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from central.casefile.merge import MergeRefused
from central.casefile.service import NotFound as CasefileNotFound
from central.devices.service import DeviceExists, DeviceNotFound
from central.documents.service import DocumentError
from central.evidence.binding import UploadRefused
from central.evidence.playback import PlaybackError
from central.hearings.service import HearingError
from central.labels import ACTION_ZH
from central.legal.search import BadQuery
from central.legal.service import NotFound as LegalNotFound
from central.plans.rules import RulesError as PlanRulesError
from central.plans.service import PlanError
from central.sharing.errors import SharingError
from central.workflow.errors import ClockError, IllegalTransition, InvalidStep, WorkflowError
from central.workflow.service import (
    ConcurrentUpdate,
    MatterArchived,
    MatterNotFound,
    ReferenceMissing,
)


@dataclass(frozen=True, slots=True)
class Answer:
    """An error's HTTP answer when it says more than its message: ``detail`` is the
    body's ``detail`` (a dict the caller reads by key), ``headers`` go with it."""

    status: int
    detail: Any
    headers: dict[str, str] | None = None


Rule = int | Callable[[Any], int | Answer]


def _carried(exc: Exception) -> int:
    return int(getattr(exc, "status", 422))


def _upload(e: UploadRefused) -> Answer:
    # the box reads ``reason`` and, with ``retry``, offers the segment again later
    return Answer(e.status, {"reason": e.reason, "message": str(e), "retry": e.retry})


def _playback(e: PlaybackError) -> Answer:
    return Answer(e.status, {"reason": e.reason, "message": str(e)})


_WORKFLOW_STATUS: tuple[tuple[type[WorkflowError], int], ...] = (
    (IllegalTransition, 409),
    (InvalidStep, 422),
    (ClockError, 422),
    (ReferenceMissing, 422),
    (MatterNotFound, 404),
    (ConcurrentUpdate, 409),
    (MatterArchived, 409),
)


def _workflow(e: WorkflowError) -> Answer:
    """``code`` for a program, ``message`` for a person; a refused step also says what
    is allowed now, and a bad one which field. Anything else (a stored history that
    cannot be replayed, a broken rules file) is central's fault: 500."""
    body: dict[str, Any] = {"code": e.code, "message": str(e)}
    if isinstance(e, IllegalTransition):
        allowed = [{"action": a.value, "label": ACTION_ZH[a]} for a in e.allowed]
        body |= {"status": e.status.value, "action": e.action.value, "allowed": allowed}
    elif isinstance(e, InvalidStep):
        body |= {"field": e.field}
    status = next((s for kind, s in _WORKFLOW_STATUS if isinstance(e, kind)), 500)
    return Answer(status, body)


# a domain error → its HTTP answer: a fixed status, the one it carries (``status``),
# or an ``Answer`` with a body the caller reads by key. Most specific class first.
DOMAIN_ANSWERS: dict[type[Exception], Rule] = {
    HearingError: _carried,
    PlanError: _carried,
    PlanRulesError: 500,  # the site's plan rules file is broken: say which and why
    SharingError: _carried,
    LegalNotFound: 404,
    BadQuery: 422,
    DeviceExists: 409,
    DeviceNotFound: 404,
    DocumentError: 422,
    CasefileNotFound: 404,
    WorkflowError: _workflow,
    MergeRefused: 409,
    UploadRefused: _upload,
    PlaybackError: _playback,
}


def answer(exc: Exception) -> Answer:
    """``exc``'s answer by the first rule whose class it is (``DOMAIN_ANSWERS``)."""
    rule = next(v for k, v in DOMAIN_ANSWERS.items() if isinstance(exc, k))
    got = rule(exc) if callable(rule) else rule
    return got if isinstance(got, Answer) else Answer(got, str(exc))


DOMAIN_ERRORS: tuple[type[Exception], ...] = tuple(DOMAIN_ANSWERS)


def refusal(exc: Exception) -> str:
    """What a refused request was told: an ``HTTPException``'s detail, a domain error's
    message."""
    return str(exc.detail) if isinstance(exc, StarletteHTTPException) else str(exc)
