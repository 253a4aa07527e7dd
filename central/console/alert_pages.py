"""Alerts (list, mark read, server-sent event stream), KPIs and the audit log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from sqlalchemy import select, update

from central.access.gates import Auditor
from central.access.gates import Reader as AnyAccount
from central.accounts.models import Account
from central.alerts import service as alerts
from central.alerts.models import AlertRow
from central.audit.models import AuditLog
from central.awareness.filters import Filters
from central.awareness.kpis import kpis
from central.db import utcnow
from central.deps import SessionDep

from .dossier_pages import back, site_scope
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
    session.execute(
        update(AlertRow)
        .where(AlertRow.recipient == acc.username, AlertRow.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.commit()
    return back("/console/alerts", "已全部标为已读")


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
            q = select(AlertRow).where(AlertRow.recipient == acc.username)
            if after_id is None:
                q = q.where(AlertRow.read_at.is_(None))
            else:
                q = q.where(AlertRow.id > after_id)
            return list(s.scalars(q.order_by(AlertRow.id).limit(100)))

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


def _max_id(sessions) -> int:
    from sqlalchemy import func

    with sessions() as s:
        return int(s.scalar(select(func.coalesce(func.max(AlertRow.id), 0))) or 0)


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
    from central.dossier.models import Person
    from central.labels import AUDIT_ZH

    q = select(AuditLog)
    if actor:
        names = select(Account.username).where(Account.display_name == actor.strip())
        q = q.where(AuditLog.actor.in_(names) | (AuditLog.actor == actor.strip()))
    if action in AUDIT_ZH:
        q = q.where(AuditLog.action == action)
    if person.strip():
        ids = session.scalars(
            select(Person.id).where(Person.name.contains(person.strip(), autoescape=True))
        ).all()
        q = q.where(AuditLog.target.in_([f"person:{i}" for i in ids[:500]]))
    if since or until:
        a, b = _period(since, until)
        start = datetime.combine(a, time.min, tzinfo=LOCAL)
        end = datetime.combine(b + timedelta(days=1), time.min, tzinfo=LOCAL)
        q = q.where(AuditLog.at >= start, AuditLog.at < end)
    if before:
        q = q.where(AuditLog.id < before)
    rows = list(session.scalars(q.order_by(AuditLog.id.desc()).limit(AUDIT_PAGE + 1)))
    more = len(rows) > AUDIT_PAGE
    rows = rows[:AUDIT_PAGE]
    keep = {"actor": actor, "action": action, "person": person, "since": since, "until": until}
    ctx = {
        "rows": rows, "more": more, "keep": keep, "actions": AUDIT_ZH, "paged": bool(before),
        "next_before": rows[-1].id if rows else 0,
    }  # fmt: skip
    return render(request, "audit.html", ctx, session=session, acc=acc)
