"""Error pages in the console's own style: a refused, missing or failed page reads as
a sentence in Chinese with a way back, never as raw JSON; and the one place where the
packages' errors become HTTP answers (``domain_error``, by ``central.api.errors``).

``install`` registers ``domain_error`` for every domain error of
``central.api.errors.DOMAIN_ANSWERS``: a route lets it rise, and it is answered with its
status and detail (``{"detail": …}`` on the JSON API, an error page with its message on
a console path), as ``HTTPException(status, detail)`` would be.

The console's one root error is ``FormError`` (also ValueError): a form that cannot be
used as submitted, its message naming the field and why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from central.access.gates import PRINCIPAL_KEY, Denied
from central.access.middleware import is_page
from central.access.principals import Staff
from central.access.scope import OtherSite, ReasonRequired
from central.api.errors import DOMAIN_ANSWERS, answer
from central.api.validation import in_chinese

from .templating import templates


class FormError(ValueError):
    """A form that cannot be used as submitted (a hearing's, a plan's): the message says,
    in the person's words, which field and why. The console's one root error."""


TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "未找到",
    405: "不支持的操作",
    409: "操作冲突",
    413: "内容过大",
    422: "填写有误",
    429: "操作过于频繁",
}


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("detail") or "")
    if isinstance(detail, list):  # validation errors
        return "；".join(str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail)
    return str(detail or "")


def page(request: Request, status: int, message: str) -> HTMLResponse:
    principal = (request.scope.get("state") or {}).get(PRINCIPAL_KEY)
    acc = principal if isinstance(principal, Staff) else None
    title = TITLES.get(status, "出错了" if status >= 500 else "无法完成")
    if status == 404 and not message:
        message = "您要找的页面或记录不存在，或已被合并、删除。"
    ctx = {"acc": acc, "alert_count": 0, "title": title, "message": message or title}
    return templates().TemplateResponse(request, "error.html", ctx, status_code=status)


async def denied_page(request: Request, e: Denied) -> Response:
    return page(request, e.status, str(e))


async def http_error(request: Request, exc: Exception) -> Response:
    """Console paths get the page; the JSON API keeps FastAPI's JSON shape."""
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None)
    headers = getattr(exc, "headers", None)
    if isinstance(exc, RequestValidationError):
        return _invalid(request, exc.errors())
    if is_page(request.url.path) and not (300 <= status < 400):
        resp = page(request, status, _message(detail))
        if headers:
            resp.headers.update(headers)
        return resp
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _invalid(request: Request, errors: Sequence[Any]) -> Response:
    """A request that does not fit its schema: the page says it in Chinese; the JSON
    API keeps FastAPI's ``detail`` for programs and adds the sentence as ``message``."""
    message = in_chinese(errors)
    if is_page(request.url.path):
        return page(request, 422, message)
    body = {"detail": jsonable_encoder(errors), "message": message}
    return JSONResponse(body, status_code=422)


async def domain_error(request: Request, exc: Exception) -> Response:
    """A domain error of ``DOMAIN_ANSWERS``, answered as its ``HTTPException`` would be."""
    got = answer(exc)
    return await http_error(request, StarletteHTTPException(got.status, got.detail, got.headers))


async def scope_error(request: Request, exc: Exception) -> Response:
    """The site-scope rule refused (``central.access.scope``): 403. A console page asks
    for the reason of a cross-site read and comes back with it."""
    code = getattr(exc, "code", "other_site")
    if is_page(request.url.path):
        if isinstance(exc, ReasonRequired) and request.method == "GET":
            principal = (request.scope.get("state") or {}).get(PRINCIPAL_KEY)
            keep = [(k, v) for k, v in request.query_params.multi_items() if k != "reason"]
            ctx = {
                "acc": principal if isinstance(principal, Staff) else None,
                "alert_count": 0,
                "message": str(exc),
                "site": exc.site,
                "action": request.url.path,
                "keep": keep,
            }
            return templates().TemplateResponse(request, "cross_site.html", ctx, status_code=403)
        return page(request, 403, str(exc))
    return JSONResponse({"detail": {"code": code, "message": str(exc)}}, status_code=403)


def install(app: Any) -> None:
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, http_error)
    app.add_exception_handler(ReasonRequired, scope_error)
    app.add_exception_handler(OtherSite, scope_error)
    for error in DOMAIN_ANSWERS:
        app.add_exception_handler(error, domain_error)
