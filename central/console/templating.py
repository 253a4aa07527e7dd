"""The console's Jinja environment (built on first use) and its zh-CN labels."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from central.accounts.service import Current

TEMPLATES = Path(__file__).with_name("templates")
LOCAL = ZoneInfo("Asia/Shanghai")

RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
KIND_ZH = {"walk_in": "来访", "leader": "领导接访", "group": "集体访", "online": "网上"}
RISK_ZH = {"low": "低", "medium": "中", "high": "高"}
STEP_ZH = {
    "register": "登记",
    "notify": "告知",
    "accept": "受理",
    "decline": "不予受理",
    "transfer": "转办",
    "handle": "办理",
    "reply": "答复",
    "review": "复查",
    "re_review": "复核",
    "supervise": "督办",
    "archive": "立卷归档",
}
SEGMENT_ZH = {
    "ok": "已核验",
    "chain_broken": "链断裂",
    "missing": "文件缺失",
    "not_in_log": "未入日志",
}


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in Beijing time."""
    return value.astimezone(LOCAL).strftime(fmt) if value else "—"


@cache
def templates() -> Jinja2Templates:
    from central.accounts.models import ROLE_ZH

    t = Jinja2Templates(directory=str(TEMPLATES))
    t.env.globals.update(
        rating_zh=RATING_ZH,
        kind_zh=KIND_ZH,
        risk_zh=RISK_ZH,
        step_zh=STEP_ZH,
        segment_zh=SEGMENT_ZH,
        role_zh=ROLE_ZH,
    )
    t.env.filters["local"] = local_time
    return t


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
        from central.alerts.models import AlertRow

        count = (
            session.scalar(
                select(func.count()).where(
                    AlertRow.recipient == acc.username, AlertRow.read_at.is_(None)
                )
            )
            or 0
        )
    return templates().TemplateResponse(
        request, name, {"acc": acc, "alert_count": count, **ctx}, status_code=status_code
    )


def header_context(request: Any) -> dict[str, Any]:
    """For other packages' Jinja2Templates (``context_processors=[header_context]``):
    the signed-in account for base.html's header, as the route's gate admitted it."""
    from central.access.gates import PRINCIPAL_KEY
    from central.access.principals import Staff

    principal = (request.scope.get("state") or {}).get(PRINCIPAL_KEY)
    acc = principal if isinstance(principal, Staff) else None
    return {"acc": acc, "alert_count": 0, "role_zh": templates().env.globals["role_zh"]}
