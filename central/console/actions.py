"""The console's form actions: a form posts, a service does the work, the audit log
records it, the transaction commits, and the browser goes back to the page it came
from with a flash message (``?msg=``). When the service refuses, nothing is written and
the browser goes back with the refusal in the user's words (``?error=``).

    with FormAction(session, acc, back=REGISTRY, refusals=(FormError, HearingError),
                    request=request) as act:
        p = service.add_person(session, **forms.person(form))
        act.audit("hearing.registry.add", f"hearing_person:{p.id}")
        act.done(f"已加入名册：{p.name}")
    return act.response

A refusal is one of the ``refusals`` raised inside the block: the transaction is rolled
back and ``response`` says why. Anything else (a 404, a 403 of the site rule, a bug)
goes on to the app's error handlers, the transaction rolled back. The commit is here,
once, for every form of the console.
"""

from __future__ import annotations

from types import TracebackType
from urllib.parse import quote

from fastapi import Request, status
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from central.access.principals import Staff
from central.audit import service as audit_log


def back(
    path: str, msg: str, *, error: bool = False, extra: str = "", anchor: str = ""
) -> RedirectResponse:
    """303 to ``path`` with the flash message (``extra``: more of the query, already
    encoded; ``anchor``: the part of the page to show, ``#plans``)."""
    key = "error" if error else "msg"
    return RedirectResponse(
        f"{path}?{key}={quote(msg)}{extra}{anchor}", status_code=status.HTTP_303_SEE_OTHER
    )


def client(request: Request | None) -> str | None:
    """The caller's address as the audit log keeps it."""
    return request.client.host if request is not None and request.client else None


class FormAction:
    """One form's unit of work (see the module's docstring)."""

    def __init__(
        self,
        session: Session,
        acc: Staff,
        *,
        back: str,
        refusals: tuple[type[Exception], ...],
        request: Request | None = None,
        anchor: str = "",
    ) -> None:
        self.session = session
        self.actor = acc.username
        self.to = back
        self.refusals = refusals
        self.client = client(request)
        self.anchor = anchor
        self._msg: str | None = None
        self._extra = ""
        self._response: RedirectResponse | None = None

    def audit(self, action: str, target: str, reason: str = "") -> None:
        """Record the action in the audit log, in the same transaction."""
        audit_log.record(
            self.session,
            actor=self.actor,
            action=action,
            target=target,
            reason=reason,
            client=self.client,
        )

    def done(self, msg: str, *, to: str | None = None, extra: str = "") -> None:
        """What the user is told when it is written (and, if not the form's page, where)."""
        self._msg, self._extra = msg, extra
        if to is not None:
            self.to = to

    @property
    def response(self) -> RedirectResponse:
        if self._response is None:
            raise RuntimeError("a form action ended without done() or a refusal")
        return self._response

    def __enter__(self) -> FormAction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            if self._msg is None:
                raise RuntimeError("a form action ended without done()")
            self.session.commit()
            self._response = back(self.to, self._msg, extra=self._extra, anchor=self.anchor)
            return False
        self.session.rollback()
        if isinstance(exc, self.refusals):
            self._response = back(self.to, str(exc), error=True, anchor=self.anchor)
            return True
        return False
