"""Every kiosk POST carries its CSRF token and comes from the kiosk's own origin.

The kiosk page is served on loopback for the browser on the same box, but any page
that browser opens (a law text's link, a captive portal) could post to it. So:

* each browser gets a random session id in an HttpOnly, SameSite=Strict cookie;
* every form carries ``csrf_token`` = HMAC(process secret, session id), which a page
  of another origin cannot read;
* a POST whose ``Origin`` (or, without it, ``Referer``) is not the kiosk's own is
  refused before the token is even looked at.

Refusals answer 403 with a page in Chinese and are logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

log = logging.getLogger(__name__)

COOKIE = "zf_kiosk"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
_SID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_REFUSED = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请求被拒绝</title>
<body style="font:20px sans-serif;padding:40px"><h1>请求被拒绝</h1><p>{why}</p>
<p><a href="/">返回工作台</a></p></body></html>"""


class CsrfRefused(PermissionError):
    """A POST without its token, or from a foreign origin; ``why`` is shown (zh-CN)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class KioskGuard:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def token(self, session_id: str) -> str:
        return hmac.new(self._secret, session_id.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def session_of(request: Request) -> str | None:
        sid = getattr(request.state, "kiosk_sid", None) or request.cookies.get(COOKIE)
        return sid if isinstance(sid, str) and _SID.match(sid) else None

    def field(self, request: Request) -> Markup:
        """The hidden input every POST form carries."""
        sid = self.session_of(request) or ""
        return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, self.token(sid))

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Give the browser its session cookie; refuse foreign-origin POSTs early."""
        fresh = None
        if self.session_of(request) is None:
            fresh = secrets.token_urlsafe(32)
            request.state.kiosk_sid = fresh
        if request.method == "POST":
            try:
                self._check_origin(request)
            except CsrfRefused as e:
                return self.refused(request, e)
        response = await call_next(request)
        if fresh is not None:
            response.set_cookie(COOKIE, fresh, httponly=True, samesite="strict", path="/")
        return response

    @staticmethod
    def _check_origin(request: Request) -> None:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        origin = request.headers.get("origin")
        if origin is not None:
            if origin != own:
                raise CsrfRefused("请求来自其他网页，已拒绝。请在接待终端页面上操作。")
            return
        referer = request.headers.get("referer")
        if referer is not None and referer != own and not referer.startswith(own + "/"):
            raise CsrfRefused("请求来自其他网页，已拒绝。请在接待终端页面上操作。")

    async def check_token(self, request: Request) -> None:
        """App-wide dependency: a POST must carry the token of its session."""
        if request.method != "POST":
            return
        sid = request.cookies.get(COOKIE)
        sent = request.headers.get(HEADER) or str((await request.form()).get(FIELD) or "")
        if not sid or not _SID.match(sid) or not hmac.compare_digest(sent, self.token(sid)):
            raise CsrfRefused("页面已过期或缺少校验码，请返回工作台重新操作。")

    @staticmethod
    def refused(request: Request, e: CsrfRefused) -> Response:
        log.warning("kiosk POST %s refused: %s", request.url.path, e.why)
        return HTMLResponse(_REFUSED.format(why=e.why), status_code=403)
