"""What every kiosk screen's handlers share: render a page, act on the desk, redirect.

Handlers only translate: they read the form, call a flow of the ``Desk``, and
redirect (post → redirect → get). A ``DeskError`` becomes a message on the next page
(the kiosk has one user at a time), and what was typed in the refused form is shown
again, so a wrong ID number or step field never wipes the rest (PINs excepted).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from protocol.deadlines import TIMEZONE
from protocol.matters import MATTER_STATUS_ZH
from protocol.messages import RATING_ZH

from .desk import Desk
from .errors import DeskError
from .guard import KioskGuard
from .steps import RISK_LEVELS, STEPS

KINDS = {"walk_in": "来访", "group": "集体访", "leader": "领导接访"}
ROLE_ZH = {"representative": "代表", "member": "成员", "petitioner": "信访人"}
STEP_ZH = {k: v.title for k, v in STEPS.items()} | {
    "handle": "办理",
    "reply": "答复",
    "review": "复查",
    "re_review": "复核",
    "supervise": "督办",
    "archive": "立卷归档",
}
NEVER_KEPT = frozenset({"pin", "csrf_token"})


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's fields, as text."""
    return {k: str(v) for k, v in (await request.form()).items()}


def fmt_time(value: Any) -> str:
    """Beijing time, whatever the box's own zone (as central shows it)."""
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value / 1000, UTC)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(TIMEZONE)).date()
    return f"{value.year}年{value.month}月{value.day}日" if value is not None else ""


class Kiosk:
    def __init__(self, desk: Desk, tpl: Jinja2Templates, guard: KioskGuard) -> None:
        self.desk, self.tpl, self.guard = desk, tpl, guard
        self.kept: dict[str, str] = {}  # the refused form's values, shown once
        tpl.env.filters["when"] = fmt_time
        tpl.env.filters["day"] = fmt_date
        tpl.env.globals.update(
            STEPS=STEPS,
            STEP_ZH=STEP_ZH,
            RATING_ZH=RATING_ZH,
            RISK_LEVELS=RISK_LEVELS,
            KINDS=KINDS,
            ROLE_ZH=ROLE_ZH,
            MATTER_STATUS_ZH=MATTER_STATUS_ZH,
        )

    def render(self, request: Request, name: str, **ctx: Any) -> HTMLResponse:
        d = self.desk
        d.recheck_central()
        kept, self.kept = self.kept, {}
        base = {
            "s": d.state(),
            "desk": d,
            "flash": d.take_flash(),
            "cfg": d.cfg,
            "kept": kept,
            "csrf_field": self.guard.field(request),
            "officer_name": d.officer_name(d.officer_id),
        }
        return self.tpl.TemplateResponse(request, name, base | ctx)

    @staticmethod
    def go(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)

    def act(
        self,
        fn: Callable[[], object],
        ok: str,
        fail: str,
        keep: Mapping[str, str] | None = None,
    ) -> RedirectResponse:
        try:
            fn()
        except DeskError as e:
            self.desk.flash = str(e)
            self.kept = {k: v for k, v in (keep or {}).items() if k not in NEVER_KEPT}
            return self.go(fail)
        return self.go(ok)
