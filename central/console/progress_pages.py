"""``GET /progress``, ``POST /progress``: the petitioner's progress page (public,
phone-first). The form posts and the answer is rendered in place, so the 查询码 never
sits in a URL (browser history, a proxy's access log). The lookup is the JSON API's
(``central.api.progress``): the same answer, the same throttle."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.access.gates import PUBLIC
from central.api.progress import lookup, public_caller, retry_after
from central.api.workflow import ConfigDep, NowDep
from central.progress.service import NotFound, Throttled
from protocol.progress import NOT_FOUND_ZH, ProgressQuery

from .templating import TEMPLATES, install

router = APIRouter(include_in_schema=False)


@cache
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.filters["day"] = lambda d: f"{d.year}年{d.month}月{d.day}日" if d else ""
    install(t.env)
    return t


def _page(request: Request, code: int = 200, **ctx: Any) -> HTMLResponse:
    base = {"ref_no": "", "error": "", "found": None}
    return templates().TemplateResponse(request, "progress/page.html", base | ctx, code)


@router.get("/progress", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
def progress_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/progress", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
def progress_page(
    request: Request,
    config: ConfigDep,
    now: NowDep,
    ref_no: Annotated[str, Form()] = "",
    query_code: Annotated[str, Form()] = "",
) -> HTMLResponse:
    ref, code = ref_no.strip()[:80], query_code.strip()[:32]
    if not ref or not code:
        missing = "文号" if not ref else "查询码"
        return _page(request, 422, ref_no=ref, error=f"请填写{missing}（见回执）。")
    try:
        found = lookup(request, public_caller(request), ProgressQuery(ref_no=ref, query_code=code),
                     config, now)  # fmt: skip
    except NotFound:
        return _page(request, 404, ref_no=ref, error=NOT_FOUND_ZH)
    except Throttled as e:
        page = _page(request, 429, ref_no=ref, error=str(e))
        page.headers["Retry-After"] = retry_after(e.until, now)
        return page
    return _page(request, ref_no=ref, found=found)
