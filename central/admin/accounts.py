"""Accounts from the console: list and search, create, change, disable and enable,
reset a password, lift a login lock. The work is ``central.accounts.service``'s (the
CLI's too); this adds the site rule and the self-lockout rule, and the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.principals import ALL_SITES, Staff
from central.accounts import service as accounts
from central.accounts import throttle
from central.accounts.models import ROLES, Account
from central.accounts.passwords import WeakPassword
from central.db import utcnow
from central.devices.models import Device

from .common import Refused, committed, own_site, site_code

PAGE = 30


@dataclass(frozen=True)
class AccountPage:
    rows: list[tuple[Account, datetime | None]]  # each with when its login lock ends
    total: int
    page: int
    pages: int


def listed(session: Session, acc: Staff, *, q: str = "", page: int = 1) -> AccountPage:
    """The admin's site's accounts (every site's for org ``*``), by login name."""
    rows, total = accounts.find_accounts(
        session, org=acc.site, q=q[:64], offset=(page - 1) * PAGE, limit=PAGE
    )
    return AccountPage(rows, total, page, max(1, -(-total // PAGE)))


def sites(session: Session, acc: Staff) -> list[str]:
    """The sites this admin may put an account or a desk on: their own; for an admin of
    every site, each site known from desks and accounts (a new one may be typed)."""
    if acc.site is not None:
        return [acc.site]
    known = set(session.scalars(select(Device.site).distinct()))
    known |= set(session.scalars(select(Account.org).where(Account.org != ALL_SITES).distinct()))
    return sorted(s for s in known if s)


def _org(acc: Staff, org: str) -> str:
    org = org.strip() or (acc.site or "")
    if org == ALL_SITES:
        if acc.site is not None:
            raise Refused("本院管理员不能设置“全部院”的账户", field="org")
        return org
    org = site_code(org, field="org")
    own_site(acc, org, what="该账户")
    return org


def _one(session: Session, acc: Staff, account_id: int) -> Account:
    row = session.get(Account, account_id)
    if row is None:
        raise Refused("没有这个账户")
    own_site(acc, row.org, what="该账户")
    return row


def get(session: Session, acc: Staff, account_id: int) -> tuple[Account, datetime | None]:
    """The account and the time its login lock ends (None: not locked)."""
    row = _one(session, acc, account_id)
    return row, throttle.locks(session, scope=throttle.USER, now=utcnow()).get(row.username)


def _passwords(password: str, again: str) -> str:
    if password != again:
        raise Refused("两次输入的密码不一致", field="password")
    return password


def create(
    session: Session, acc: Staff, *, username: str, display_name: str, role: str, org: str,
    password: str, again: str, note: str = "",
) -> Account:  # fmt: skip
    if role not in ROLES:
        raise Refused("请选择角色", field="role")
    org = _org(acc, org)
    password = _passwords(password, again)

    def change() -> Account:
        try:
            return accounts.add_account(
                session, username=username, password=password, role=role, org=org,
                display_name=display_name or None, actor=acc.actor, note=note,
            )  # fmt: skip
        except WeakPassword as e:
            raise Refused(str(e), field="password") from e
        except accounts.AccountError as e:
            field = "org" if "单位" in str(e) else "username"
            raise Refused(str(e), field=field) from e

    return committed(session, change)


def update(
    session: Session, acc: Staff, account_id: int, *, role: str, org: str, display_name: str,
    note: str = "",
) -> list[str]:  # fmt: skip
    """Role, site and display name; an admin cannot take their own admin role or move
    themselves (they would lose the screen they stand on)."""
    row = _one(session, acc, account_id)
    org = _org(acc, org)
    if row.id == acc.id and (role != row.role or org != row.org):
        raise Refused("不能更改自己的角色或所属院：请另一位管理员操作", field="role")

    def change() -> list[str]:
        try:
            return accounts.update_account(
                session, username=row.username, role=role, org=org,
                display_name=display_name, actor=acc.actor, note=note,
            )  # fmt: skip
        except accounts.AccountError as e:
            raise Refused(str(e), field="display_name" if "姓名" in str(e) else "role") from e

    return committed(session, change)


def set_active(
    session: Session, acc: Staff, account_id: int, *, active: bool, note: str = ""
) -> int:
    row = _one(session, acc, account_id)
    if row.id == acc.id and not active:
        raise Refused("不能停用自己的账户")
    return committed(
        session,
        lambda: accounts.set_active(
            session, username=row.username, active=active, actor=acc.actor, note=note
        ),
    )


def reset_password(
    session: Session, acc: Staff, account_id: int, *, password: str, again: str, note: str = ""
) -> int:
    """A new password (the admin hands it over); the account's sessions end and its
    login lock is lifted."""
    row = _one(session, acc, account_id)
    if row.id == acc.id:
        why = "不能在此重设自己的密码（会结束您的登录）：请另一位管理员操作"
        raise Refused(why, field="password")
    password = _passwords(password, again)

    def change() -> int:
        try:
            return accounts.reset_password(
                session, username=row.username, password=password, actor=acc.actor, note=note
            )
        except WeakPassword as e:
            raise Refused(str(e), field="password") from e

    return committed(session, change)


def unlock(session: Session, acc: Staff, account_id: int, *, note: str = "") -> datetime | None:
    row = _one(session, acc, account_id)
    return committed(
        session,
        lambda: accounts.unlock(session, username=row.username, actor=acc.actor, note=note),
    )
