"""The one table from the packages' errors to HTTP answers.

Each package has one root error (``central/<package>/errors.py``, in the way of
gpiozero's ``exc.py``). A route lets a domain error listed here rise; the handler
``central.console.errors.domain_error`` (installed by ``create_app``) answers it with
its status and its message (``{"detail": message}`` on the JSON API, an error page
on a console path), as ``HTTPException(status, message)`` would.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException as StarletteHTTPException

from central.casefile.service import NotFound as CasefileNotFound
from central.devices.service import DeviceExists, DeviceNotFound
from central.documents.service import DocumentError
from central.hearings.service import HearingError
from central.legal.search import BadQuery
from central.legal.service import NotFound as LegalNotFound
from central.plans.rules import RulesError as PlanRulesError
from central.plans.service import PlanError
from central.sharing.service import SharingError
from central.workflow.service import MatterNotFound


def _carried(exc: Exception) -> int:
    return int(getattr(exc, "status", 422))


# a domain error → its HTTP status: a fixed one, or the one it carries (``status``)
DOMAIN_STATUS: dict[type[Exception], int | Callable[[Exception], int]] = {
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
    MatterNotFound: 404,  # the workflow API answers it itself, with its ``code``
}

DOMAIN_ERRORS: tuple[type[Exception], ...] = tuple(DOMAIN_STATUS)


def refusal(exc: Exception) -> str:
    """What a refused request was told: an ``HTTPException``'s detail, a domain error's
    message."""
    return str(exc.detail) if isinstance(exc, StarletteHTTPException) else str(exc)
