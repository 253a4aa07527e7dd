"""Other organs, proven per request: ``Authorization: Bearer zfo_…`` (their token).

A refused token leaves a trace in the organ access log, as every organ request does
(``deps.organ_caller`` then takes the purpose and the rate limit)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from central.access.gates import Denied
from central.access.principals import Organ

from . import service


class OrganAuthenticator:
    def presented(self, request: Request) -> bool:
        return request.headers.get("authorization", "").startswith("Bearer zfo_")

    async def authenticate(self, request: Request, body: Callable[[], Awaitable[bytes]]) -> Organ:
        token = request.headers["authorization"].removeprefix("Bearer ").strip()
        return await run_in_threadpool(self._check, request, token)

    @staticmethod
    def _check(request: Request, token: str) -> Organ:
        client = request.client.host if request.client else None
        target = f"http:{request.method} {request.url.path}"
        with request.app.state.sessions() as s:
            try:
                organ, tok = service.authenticate(s, token)
            except service.SharingError as e:
                s.rollback()
                service.log_access(s, "anonymous", "refused", target, str(e), client)
                s.commit()
                raise Denied(401, str(e)) from None
            return Organ(organ_id=organ.id, token_id=tok.id)
