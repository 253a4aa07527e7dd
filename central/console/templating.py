"""The console's Jinja environment (built on first use), and ``install``, which gives
every Jinja environment of central (console, hearings, awareness, plans, legal,
progress, hearing notices) the zh-CN labels of ``central.labels`` and the filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment
from sqlalchemy.orm import Session

from central import labels
from central.access.gates import PRINCIPAL_KEY
from central.access.principals import Staff
from central.alerts.service import unread_count

from .names import Names

if TYPE_CHECKING:
    from central.accounts.service import Current

TEMPLATES = Path(__file__).with_name("templates")
LOCAL = ZoneInfo("Asia/Shanghai")

# the labels live in central.labels; these names stay for the modules that import them
RATING_ZH = labels.RATING_ZH
KIND_ZH = labels.KIND_ZH
RISK_ZH = labels.RISK_ZH
STEP_ZH = labels.ACTION_ZH
SEGMENT_ZH = labels.SEGMENT_ZH


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in Beijing time."""
    return value.astimezone(LOCAL).strftime(fmt) if value else "—"


# every table of central.labels as a template global (``HEARING_MODE_ZH`` → ``hearing_mode_zh``),
# and the older short names the templates use
LABELS: dict[str, Any] = {
    name.lower(): getattr(labels, name) for name in labels.__all__ if name.endswith("_ZH")
} | {
    "rating_zh": labels.RATING_ZH,
    "kind_zh": labels.KIND_ZH,
    "risk_zh": labels.RISK_ZH,
    "alert_kind_zh": labels.ALERT_KIND_ZH,
    "step_zh": labels.ACTION_ZH,
    "action_zh": labels.ACTION_ZH,
    "segment_zh": labels.SEGMENT_ZH,
    "role_zh": labels.ROLE_ZH,
    "status_zh": labels.MATTER_STATUS_ZH,
    "clock_zh": labels.CLOCK_STATE_ZH,
    "field_zh": labels.FIELD_ZH,
    "flag_zh": labels.FLAG_ZH,
    "party_zh": labels.PARTY_ROLE_ZH,
    "channel_zh": labels.CHANNEL_ZH,
    "device_status_zh": labels.DEVICE_STATUS_ZH,
    "share_field_zh": labels.SHARE_FIELD_ZH,
    "audit_zh": labels.audit_action,
    "say": labels.say,
}


def install(env: Environment) -> Environment:
    """The labels (globals) and filters every page and document of central uses."""
    env.globals.update(LABELS)
    env.filters["local"] = local_time
    return env


@cache
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATES), context_processors=[names_context])
    install(t.env)
    return t


def names_context(request: Request) -> dict[str, Any]:
    """``who``, ``ref`` and ``pname`` for every page: people and matters by their names
    and 文号, never by login ids or UUIDs."""
    n = Names(request.app.state.sessions, getattr(request.state, "db", None))
    return {
        "who": n.officer, "ref": n.matter, "pname": n.person, "actor_name": n.actor,
        "target_name": n.target,
    }  # fmt: skip


def render(
    request: Request,
    name: str,
    ctx: dict[str, Any],
    *,
    session: Session | None = None,
    acc: Current | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page, with the account and its unread alert count for the header."""
    count = 0
    if acc is not None and session is not None:
        count = unread_count(session, username=acc.username)
    ctx = {"acc": acc, "alert_count": count, "calendar_gap": calendar_gap(request), **ctx}
    return templates().TemplateResponse(request, name, ctx, status_code=status_code)


@dataclass(frozen=True, slots=True)
class CalendarGap:
    last: date  # the last day the holiday calendar knows
    first: date  # the first day it does not


def calendar_gap(request: Request) -> CalendarGap | None:
    """Whether the site's holiday calendar runs out within the next 60 days (every page
    then says so: deadlines past it are provisional)."""
    config = getattr(request.app.state, "workflow_config", None)
    if config is None:
        return None
    today = datetime.now(config.rules.tz).date()
    first = config.calendar_gap(today)
    return CalendarGap(first - timedelta(days=1), first) if first is not None else None


def header_context(request: Any) -> dict[str, Any]:
    """For other packages' Jinja2Templates (``context_processors=[header_context]``):
    the signed-in account for base.html's header, as the route's gate admitted it."""

    principal = (request.scope.get("state") or {}).get(PRINCIPAL_KEY)
    acc = principal if isinstance(principal, Staff) else None
    return {"acc": acc, "alert_count": 0, **LABELS, **names_context(request)}
