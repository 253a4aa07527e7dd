"""Errors of the case workflow.

WorkflowError
 ├── IllegalTransition  (also ValueError)  the action is not allowed in this state;
 │    └── WindowClosed                     a 复查/复核 request after its window
 ├── InvalidStep        (also ValueError)  the step lacks or misstates what the
 │                                          procedure requires (``field`` names it)
 ├── ClockError         (also ValueError)  a step dated before the previous one
 ├── MatterNotFound, ReferenceMissing (LookupError), ConcurrentUpdate,
 │   MatterArchived, StoredHistoryError    (``service``) a matter or its history
 └── RulesError, RiskRulesError, SitesFileError  (also ValueError) a site's deadline,
                                          risk or sites file is wrong (``rules``,
                                          ``risk``, ``sites``)

``IllegalTransition`` carries ``allowed``: the actions that *are* allowed now, so an
officer (or an HTTP 409 body) can say what to do instead.

``central.api.errors.DOMAIN_ANSWERS`` answers them over HTTP, with ``code`` and
``message`` in the body (and ``allowed`` or ``field`` where they apply).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .states import Action, Status


class WorkflowError(Exception):
    """Root of every workflow error; ``code`` is short and machine-readable."""

    code = "workflow_error"


class IllegalTransition(WorkflowError, ValueError):
    code = "illegal_transition"

    def __init__(
        self, message: str, *, status: Status, action: Action, allowed: tuple[Action, ...]
    ) -> None:
        super().__init__(message)
        self.status = status
        self.action = action
        self.allowed = allowed


class WindowClosed(IllegalTransition):
    code = "window_closed"


class InvalidStep(WorkflowError, ValueError):
    code = "invalid_step"

    def __init__(self, message: str, *, action: Action, field: str) -> None:
        super().__init__(message)
        self.action = action
        self.field = field


class ClockError(WorkflowError, ValueError):
    code = "clock_error"
