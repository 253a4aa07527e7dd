"""What the admin services share: the refusal, the site rule, the one commit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from central.access.principals import ALL_SITES, Staff
from central.access.scope import OtherSite
from central.database import unit_of_work
from protocol import topics

from .errors import AdminError

T = TypeVar("T")
MIN_REASON = 2


class Refused(AdminError, ValueError):
    """The change was not made: ``str(e)`` says why, ``field`` names the form field."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def own_site(acc: Staff, site: str, *, what: str) -> None:
    """A site's admin changes only their own site's ``what`` (``OtherSite``: 403)."""
    if acc.site is not None and site != acc.site:
        where = "全部院" if site == ALL_SITES else site
        raise OtherSite(f"{what}属于{where}，本院（{acc.site}）管理员不能更改")


def site_code(value: str, *, field: str = "site") -> str:
    """A site code as topics and accounts use it, or a Chinese refusal."""
    value = value.strip()
    try:
        return topics.check_name("site", value)
    except ValueError:
        raise Refused(
            "院代码只能用小写字母、数字、连字符和下划线（1–63 个字符），如 minhou", field=field
        ) from None


def reason(text: str, *, field: str = "reason") -> str:
    text = text.strip()
    if len(text) < MIN_REASON:
        raise Refused("请说明理由（至少 2 个字）", field=field)
    return text[:500]


def committed(session: Session, change: Callable[[], T]) -> T:
    """Run ``change`` as one unit of work (``central.database.unit_of_work``): on any
    error nothing half-made stays, and the form can be shown again as typed."""
    with unit_of_work(session):
        return change()
