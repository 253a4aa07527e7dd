"""Login sessions over HTTP: cookie, CSRF, the actor of audited actions.

* The cookie ``zf_session`` holds a random token (HttpOnly, SameSite=Lax, Secure on
  https); the session row holds a synchronizer CSRF token.
* Every state-changing request made with the cookie must carry that token: the
  ``X-CSRF-Token`` header (API calls from the console) or a ``csrf_token`` form field.
* Without a session, ``X-Actor`` names the actor only in development (tests, scripts);
  in production an anonymous caller is refused (401).
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central import deps
from central.console.templating import templates
from central.db import utcnow

from . import service, throttle
from .login import LoginLocked, log_in
from .service import Current

COOKIE = "zf_session"
LOGIN_CSRF_COOKIE = "zf_login_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _sessions(request: Request):
    return request.app.state.sessions


def _dev_or_bare(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    return settings is None or settings.environment == "development"


def _secure(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    https_public = bool(settings and settings.public_url.startswith("https://"))
    return request.url.scheme == "https" or https_public


def optional_account(request: Request) -> Current | None:
    if hasattr(request.state, "account"):
        acc: Current | None = request.state.account
        return acc
    token = request.cookies.get(COOKIE)
    acc = None
    if token:
        with _sessions(request)() as s:
            acc = service.current(s, token=token)
    request.state.account = acc
    return acc


async def check_csrf(request: Request, acc: Current) -> None:
    if request.method not in UNSAFE:
        return
    given = request.headers.get("x-csrf-token")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        given = value if isinstance(value, str) else None
    if not service.csrf_ok(acc.csrf, given):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF 校验失败：请刷新页面后重试")


async def session_actor(request: Request) -> str:
    """Replaces ``central.deps.get_actor``: the logged-in account, CSRF-checked."""
    acc = optional_account(request)
    if acc is not None:
        await check_csrf(request, acc)
        if acc.role == "auditor" and request.method in UNSAFE:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "审计员只能查阅，不能更改")
        return acc.username
    x_actor = request.headers.get("x-actor")
    if x_actor and _dev_or_bare(request):
        return x_actor.strip()[:200]
    if _dev_or_bare(request):
        return deps.get_actor(request, None)
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "请先登录")


def require(*roles: str):
    """A dependency: the logged-in account with one of ``roles`` (any role if none);
    unsafe methods are CSRF-checked. Pages redirect to the login form."""

    async def dep(request: Request) -> Current:
        acc = optional_account(request)
        if acc is None:
            nxt = quote(
                str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
            )
            raise HTTPException(
                status.HTTP_303_SEE_OTHER,
                "请先登录",
                headers={"Location": f"/console/login?next={nxt}"},
            )
        if roles and acc.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "无权访问此页面")
        await check_csrf(request, acc)
        return acc

    return dep


def viewer():
    """A dependency for read-only pages: the account, or ``None`` for an anonymous
    visitor in development only (the foundation's console); else off to the login."""
    strict = require()

    async def dep(request: Request) -> Current | None:
        if optional_account(request) is None and _dev_or_bare(request):
            return None
        acc: Current = await strict(request)
        return acc

    return dep


def staff(*roles: str):
    """A route dependency for staff JSON APIs that change things: the logged-in account
    must hold one of ``roles`` (403 otherwise). Anonymous callers pass in development
    only, as with ``viewer`` (the router-level gate), so scripts and tests of a dev site
    keep working; production always has an account here."""
    strict = require(*roles)

    async def dep(request: Request) -> Current | None:
        if optional_account(request) is None and _dev_or_bare(request):
            return None
        acc: Current = await strict(request)
        return acc

    return dep


ADMIN = Depends(staff("admin"))
LEADS = Depends(staff("leader", "admin"))
WORKS = Depends(staff("officer", "leader", "admin"))
AUDITS = Depends(staff("auditor", "admin"))

AnyAccount = Annotated[Current, Depends(require())]
Viewer = Annotated[Current | None, Depends(viewer())]
Leader = Annotated[Current, Depends(require("leader", "admin"))]
Worker = Annotated[Current, Depends(require("officer", "leader", "admin"))]
Auditor = Annotated[Current, Depends(require("auditor", "admin"))]

router = APIRouter(include_in_schema=False)  # mounted under /console by the console


def _safe_next(nxt: str | None) -> str:
    # only local paths: no open redirect to another site
    if nxt and nxt.startswith("/") and not nxt.startswith("//"):
        return nxt
    return "/console/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/console/") -> Response:
    token = secrets.token_urlsafe(24)
    resp = templates().TemplateResponse(
        request, "login.html", {"csrf": token, "next": _safe_next(next), "error": None}
    )
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=3600,
    )
    return resp


def _client(request: Request) -> str:
    # behind a reverse proxy on this host, uvicorn takes the address from X-Forwarded-For
    return request.client.host if request.client else "unknown"


def _refused(request: Request, csrf: str, nxt: str, error: str, code: int) -> Response:
    return templates().TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf, "next": _safe_next(nxt), "error": error},
        status_code=code,
    )


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console/",
) -> Response:
    if not service.csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF 校验失败：请刷新登录页后重试")
    settings = getattr(request.app.state, "settings", None)
    try:
        token = log_in(
            _sessions(request),
            username=username,
            password=password,
            client=_client(request),
            limits=throttle.Limits.of(settings),
        )
    except LoginLocked as e:
        page = _refused(request, csrf_token, next, str(e), status.HTTP_429_TOO_MANY_REQUESTS)
        page.headers["Retry-After"] = str(max(1, math.ceil((e.until - utcnow()).total_seconds())))
        return page
    except service.BadCredentials as e:
        return _refused(request, csrf_token, next, str(e), status.HTTP_401_UNAUTHORIZED)
    done = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    done.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=_secure(request))
    done.delete_cookie(LOGIN_CSRF_COOKIE)
    return done


@router.post("/logout")
def logout(request: Request, acc: AnyAccount) -> Response:
    token = request.cookies.get(COOKIE, "")
    with _sessions(request)() as s:
        service.close_session(s, token=token)
        from central.audit import service as audit

        audit.record(
            s, actor=acc.username, action="account.logout", target=f"account:{acc.username}"
        )
        s.commit()
    resp = RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    resp.delete_cookie(COOKIE)
    return resp


def install(app: FastAPI) -> None:
    """Make the logged-in account the actor of every audited read and change (the
    login pages come with the console's router)."""
    app.dependency_overrides[deps.get_actor] = session_actor
