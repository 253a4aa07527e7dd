"""``AccessMiddleware``: the gate runs before anything else of the route does.

For each HTTP request it finds the route (as the router will), caps the body at the
route's limit (1 MiB unless the route declares more by name), runs the route's gate,
refuses a NUL character in the request (``nul``: 422) and puts the admitted principal
in the request state for the gate dependency. A refusal is a JSON 401/403, or for a
console page a redirect to the login form (401) or the console's own error page
(403). Every response gets the security headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import quote

from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import nul
from .gates import GATE_KEY, PRINCIPAL_KEY, Authenticator, Denied, Kind, admit
from .routes import Declared, find

# no inline script anywhere (templates load their scripts from /console/static); styles may be
# inline attributes, which cannot run code
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

DeniedPage = Callable[[Request, Denied], Awaitable[Response]]


def is_page(path: str) -> bool:
    return path == "/console" or path.startswith("/console/")


async def _json_denied(request: Request, e: Denied) -> Response:
    headers = {"WWW-Authenticate": "Session"} if e.status == 401 else None
    detail = str(e) or ("Not Found" if e.status == 404 else "")
    return JSONResponse({"detail": detail}, status_code=e.status, headers=headers)


class AccessMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        table: list[Declared],
        authenticators: Mapping[Kind, Authenticator],
        denied_page: DeniedPage | None = None,
    ) -> None:
        self.app = app
        self.table = table
        self.authenticators = authenticators
        self.denied_page = denied_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        row = find(self.table, scope)
        if not isinstance(row, Declared):
            # deny by default: a path no declared route serves never reaches the app
            status = 405 if row is Match.PARTIAL else 404
            e = Denied(status, "不支持此请求方法" if status == 405 else "")
            response = await self._refusal(Request(scope, receive), e)
            await response(scope, receive, send)
            return

        async def gated(scope: Scope, receive: Receive, send: Send) -> None:
            await self._gate(row, scope, receive, send)

        await RequestBodyLimitMiddleware(gated, row.max_body)(scope, receive, send)

    async def _gate(self, row: Declared, scope: Scope, receive: Receive, send: Send) -> None:
        buffered: list[bytes] = []

        async def body() -> bytes:
            if buffered:
                return buffered[0]
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            buffered.append(b"".join(chunks))
            return buffered[0]

        request = Request(scope, receive)
        try:
            principal = await admit(row.gate, request, self.authenticators, body)
        except Denied as e:
            response = await self._refusal(request, e)
            await response(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[PRINCIPAL_KEY] = principal
        state[GATE_KEY] = row.gate
        kind = nul.content_type(scope)
        text = await body() if kind in nul.READ else b""
        if (
            nul.in_head(scope)
            or nul.in_body(text, kind)
            or await nul.in_form_fields(scope, text, kind)
        ):
            response = await self._refusal(request, Denied(422, nul.MESSAGE))
            await response(scope, receive, send)
            return
        await self.app(scope, _replay(buffered, receive) if buffered else receive, send)

    async def _refusal(self, request: Request, e: Denied) -> Response:
        if not is_page(request.url.path):
            return await _json_denied(request, e)
        if e.status == 401 and request.method in ("GET", "HEAD"):
            nxt = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/console/login?next={nxt}", status_code=303)
        if self.denied_page is not None:
            return await self.denied_page(request, e)
        return await _json_denied(request, e)


def _replay(buffered: list[bytes], receive: Receive) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": buffered[0], "more_body": False}
        return await receive()  # http.disconnect

    return again


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            have = {k.lower() for k, _ in headers}
            headers += [(k, v) for k, v in SECURITY_HEADERS if k not in have]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
