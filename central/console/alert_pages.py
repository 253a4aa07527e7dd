"""Alerts (list, mark read, server-sent event stream), KPIs and the audit log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from central.access.gates import Auditor
from central.access.gates import Reader as AnyAccount
from central.alerts import service as alerts
from central.alerts.models import AlertRow
from central.awareness.filters import Filters
from central.awareness.kpis import kpis
from central.casefile import audit_search
from central.deps import SessionDep
from central.labels import AUDIT_ZH

from .actions import FormAction
from .dossier_pages import site_scope
from .templating import LOCAL, render

router = APIRouter()
STREAM_POLL_S = 1.0
STREAM_MAX_S = 300.0  # the browser reconnects (EventSource) and resumes by Last-Event-ID


def _href(a: AlertRow) -> str:
    if a.link:  # an early warning opens its awareness page
        return a.link
    if a.matter_id:
        return f"/console/matters/{a.matter_id}"
    if a.reception_id:
        return "/console/leader/supervision"
    return "/console/alerts"


def _event(a: AlertRow) -> str:
    data = {"id": a.id, "kind": a.kind, "level": a.level, "message": a.message, "href": _href(a)}
    return f"id: {a.id}\nevent: alert\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/alerts", response_class=HTMLResponse)
def alert_list(
    request: Request, session: SessionDep, acc: AnyAccount, msg: str = ""
) -> HTMLResponse:
    rows = alerts.for_account(session, username=acc.username, limit=200)
    return render(
        request,
        "alerts.html",
        {"alerts": rows, "href": _href, "msg": msg},
        session=session,
        acc=acc,
    )


@router.post("/alerts/read")
def mark_read(session: SessionDep, acc: AnyAccount) -> RedirectResponse:
    with FormAction(session, acc, back="/console/alerts", refusals=()) as act:
        alerts.mark_all_read(session, username=acc.username)
        act.done("已全部标为已读")
    return act.response


@router.get("/alerts/stream")
async def stream(
    request: Request,
    acc: AnyAccount,
    once: bool = False,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: each new alert for the logged-in account, at once.

    Without ``Last-Event-ID`` the stream starts with the unread alerts.
    ``once=1`` sends what is there and ends (for scripts and tests).
    """
    sessions = request.app.state.sessions
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None

    def fetch(after_id: int | None) -> list[AlertRow]:
        with sessions() as s:
            return alerts.to_stream(s, username=acc.username, after_id=after_id)

    async def events() -> AsyncIterator[str]:
        last = after
        yield "retry: 3000\n\n"
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            rows = await asyncio.to_thread(fetch, last)
            for a in rows:
                yield _event(a)
            if rows:
                last = rows[-1].id
            elif last is None:
                last = 0 if once else await asyncio.to_thread(_max_id, sessions)
            if once or loop.time() - started > STREAM_MAX_S or await request.is_disconnected():
                return
            await asyncio.sleep(STREAM_POLL_S)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _max_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return alerts.last_id(s)


def _period(since: str, until: str) -> tuple[date, date]:
    today = datetime.now(LOCAL).date()
    try:
        a = date.fromisoformat(since) if since else date(today.year, 1, 1)
        b = date.fromisoformat(until) if until else today
    except ValueError:
        a, b = date(today.year, 1, 1), today
    return a, b


@router.get("/kpi", response_class=HTMLResponse)
def kpi_page(
    request: Request,
    session: SessionDep,
    acc: AnyAccount,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The KPIs of a period (this year by default), of the account's site if it has one."""
    a, b = _period(since, until)
    config = request.app.state.workflow_config
    f = Filters.period(a, b)
    k = kpis(session, f=f, tz=config.rules.tz, config=config, site=site_scope(acc))
    return render(request, "kpi.html", {"k": k, "since": a, "until": b}, session=session, acc=acc)


AUDIT_PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    acc: Auditor,
    actor: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    person: Annotated[str, Query(max_length=50, description="a name, or part of one")] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    before: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The audit log, newest first, 50 to a page, filtered by who, what, whose and when."""
    start = end = None
    if since or until:
        a, b = _period(since, until)
        start = datetime.combine(a, time.min, tzinfo=LOCAL)
        end = datetime.combine(b + timedelta(days=1), time.min, tzinfo=LOCAL)
    rows = audit_search.search(
        session, actor=actor, action=action, person=person, start=start, end=end,
        before=before, limit=AUDIT_PAGE + 1,
    )  # fmt: skip
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    keep = {"actor": actor, "action": action, "person": person, "since": since, "until": until}
    ctx = {
        "rows": rows, "more": more, "keep": keep, "actions": AUDIT_ZH, "paged": bool(before),
        "next_before": rows[-1].id if rows else 0,
    }  # fmt: skip
    return render(request, "audit.html", ctx, session=session, acc=acc)
