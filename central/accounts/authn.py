"""Staff, proven per request: the session cookie, and on every change its CSRF token.

The cookie ``zf_session`` holds a random token (HttpOnly, SameSite=Lax, Secure on
https); only its SHA-256 is stored, with the session's synchronizer CSRF token. A
request that changes something carries that token in ``X-CSRF-Token`` (the console's
scripts) or in the form field ``csrf_token`` (the console's forms).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from central.access.gates import Denied
from central.access.principals import Staff

from . import service

COOKIE = "zf_session"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class StaffAuthenticator:
    def presented(self, request: Request) -> bool:
        return bool(request.cookies.get(COOKIE))

    async def authenticate(self, request: Request, body: Callable[[], Awaitable[bytes]]) -> Staff:
        token = request.cookies[COOKIE]
        acc = await run_in_threadpool(self._current, request, token)
        if acc is None:
            raise Denied(401, "登录已过期或已退出，请重新登录")
        if request.method in UNSAFE:
            given = request.headers.get("x-csrf-token") or await _form_token(request, body)
            if not service.csrf_ok(acc.csrf, given):
                raise Denied(403, "CSRF 校验失败：请刷新页面后重试")
        return acc

    @staticmethod
    def _current(request: Request, token: str) -> Staff | None:
        with request.app.state.sessions() as s:
            return service.current(s, token=token)


async def _form_token(request: Request, body: Callable[[], Awaitable[bytes]]) -> str | None:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        values = parse_qs((await body()).decode("utf-8", "replace")).get("csrf_token")
        return values[0] if values else None
    if ctype.startswith("multipart/form-data"):
        raw = await body()

        async def replay() -> dict[str, object]:
            return {"type": "http.request", "body": raw, "more_body": False}

        form = await Request(request.scope, replay).form()
        try:
            value = form.get("csrf_token")
            return value if isinstance(value, str) else None
        finally:
            await form.close()
    return None
