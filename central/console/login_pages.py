"""The console's login and logout pages.

The session cookie and CSRF checks that admit staff to every other route are in
``authn`` (run by the access middleware); the roles each route admits are declared
on the route (``central.access.gates``).
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central.access.gates import PUBLIC, Reader
from central.accounts import service, throttle
from central.accounts.authn import COOKIE
from central.accounts.login import LoginLocked, log_in
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow

from .templating import templates

LOGIN_CSRF_COOKIE = "zf_login_csrf"


def _sessions(request: Request):
    return request.app.state.sessions


def _secure(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    https_public = bool(settings and settings.public_url.startswith("https://"))
    return request.url.scheme == "https" or https_public


router = APIRouter(include_in_schema=False)  # mounted under /console by the console


def _safe_next(nxt: str | None) -> str:
    # only local paths: no open redirect to another site
    if nxt and nxt.startswith("/") and not nxt.startswith("//"):
        return nxt
    return "/console/"


@router.get("/login", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
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


@router.post("/login", dependencies=[Depends(PUBLIC)])
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
def logout(request: Request, acc: Reader) -> Response:
    token = request.cookies.get(COOKIE, "")
    with _sessions(request)() as s, unit_of_work(s):
        service.close_session(s, token=token)
        audit.record(
            s, actor=acc.username, action="account.logout", target=f"account:{acc.username}"
        )
    resp = RedirectResponse("/console/login", status_code=status.HTTP_303_SEE_OTHER)
    resp.delete_cookie(COOKIE)
    return resp
