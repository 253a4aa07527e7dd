"""系统管理 · 账户: list and search accounts, create one, change its role, site and
name, disable or enable it, reset its password, lift its login lock. The handlers only
translate: ``central.admin.accounts`` checks, changes, audits and commits. A refused
form comes back as typed (never the passwords), with the reason in Chinese."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from central.access.gates import Admin
from central.access.principals import Staff
from central.accounts.models import ROLES
from central.admin import accounts as admin
from central.admin.common import Refused
from central.deps import SessionDep

from .actions import back
from .templating import render

router = APIRouter(prefix="/admin")
Text = Annotated[str, Form(max_length=2000)]
HERE = "/console/admin/accounts"


def _list_page(
    request: Request, session: Session, acc: Staff, *, q: str = "", page: int = 1,
    msg: str = "", error: str = "", field: str = "", values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    ctx: dict[str, Any] = {
        "found": admin.listed(session, acc, q=q, page=page), "q": q, "msg": msg,
        "error": error, "field": field, "v": values or {"role": "officer", "org": acc.site or ""},
        "roles": ROLES, "sites": admin.sites(session, acc), "tab": "accounts",
    }  # fmt: skip
    return render(request, "admin_accounts.html", ctx, session=session, acc=acc,
                  status_code=status_code)  # fmt: skip


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    session: SessionDep,
    acc: Admin,
    q: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    msg: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    """The admin's site's accounts (every site's for an admin of every site)."""
    return _list_page(request, session, acc, q=q, page=page, msg=msg)


@router.post("/accounts")
def create_account(
    request: Request, session: SessionDep, acc: Admin, username: Text = "",
    display_name: Text = "", role: Text = "", org: Text = "", password: Text = "",
    again: Text = "", note: Text = "",
) -> Response:  # fmt: skip
    try:
        row = admin.create(
            session, acc, username=username, display_name=display_name, role=role, org=org,
            password=password, again=again, note=note,
        )  # fmt: skip
    except Refused as e:
        typed = {"username": username, "display_name": display_name, "role": role, "org": org,
                 "note": note}  # fmt: skip
        return _list_page(request, session, acc, error=str(e), field=e.field, values=typed,
                          status_code=422)  # fmt: skip
    return back(f"{HERE}/{row.id}", f"已新建账户：{row.display_name}")


def _account_page(
    request: Request, session: Session, acc: Staff, account_id: int, *, msg: str = "",
    error: str = "", field: str = "", form: str = "", values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    try:
        row, locked = admin.get(session, acc, account_id)
    except Refused as e:
        return render(request, "error.html", {"title": "未找到", "message": str(e)},
                      session=session, acc=acc, status_code=404)  # fmt: skip
    v = {"role": row.role, "org": row.org, "display_name": row.display_name, **(values or {})}
    ctx = {
        "a": row, "locked": locked, "msg": msg, "error": error, "field": field, "form": form,
        "v": v, "roles": ROLES, "sites": admin.sites(session, acc), "tab": "accounts",
        "is_self": row.id == acc.id,
    }  # fmt: skip
    return render(request, "admin_account.html", ctx, session=session, acc=acc,
                  status_code=status_code)  # fmt: skip


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    session: SessionDep,
    acc: Admin,
    account_id: int,
    msg: Annotated[str, Query(max_length=500)] = "",
) -> HTMLResponse:
    return _account_page(request, session, acc, account_id, msg=msg)


def _refused(
    request: Request, session: Session, acc: Staff, account_id: int, e: Refused, form: str,
    values: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    return _account_page(request, session, acc, account_id, error=str(e), field=e.field,
                         form=form, values=values, status_code=422)  # fmt: skip


@router.post("/accounts/{account_id}")
def change_account(
    request: Request, session: SessionDep, acc: Admin, account_id: int, role: Text = "",
    org: Text = "", display_name: Text = "", note: Text = "",
) -> Response:  # fmt: skip
    try:
        changed = admin.update(
            session, acc, account_id, role=role, org=org, display_name=display_name, note=note
        )
    except Refused as e:
        typed = {"role": role, "org": org, "display_name": display_name, "note": note}
        return _refused(request, session, acc, account_id, e, "change", typed)
    return back(f"{HERE}/{account_id}", "已修改：" + "，".join(changed) if changed else "没有改动")


@router.post("/accounts/{account_id}/active")
def set_active(
    request: Request, session: SessionDep, acc: Admin, account_id: int, active: Text = "",
    note: Text = "",
) -> Response:  # fmt: skip
    if active not in ("0", "1"):
        e = Refused("请选择停用或启用")
        return _refused(request, session, acc, account_id, e, "active", {"note": note})
    try:
        ended = admin.set_active(session, acc, account_id, active=active == "1", note=note)
    except Refused as e:
        return _refused(request, session, acc, account_id, e, "active", {"note": note})
    done = "已启用账户" if active == "1" else f"已停用账户，结束其登录 {ended} 个"
    return back(f"{HERE}/{account_id}", done)


@router.post("/accounts/{account_id}/password")
def reset_password(
    request: Request, session: SessionDep, acc: Admin, account_id: int, password: Text = "",
    again: Text = "", note: Text = "",
) -> Response:  # fmt: skip
    try:
        ended = admin.reset_password(
            session, acc, account_id, password=password, again=again, note=note
        )
    except Refused as e:
        return _refused(request, session, acc, account_id, e, "password", {"note": note})
    return back(f"{HERE}/{account_id}", f"已重设密码，结束其登录 {ended} 个，并解除登录锁定")


@router.post("/accounts/{account_id}/unlock")
def unlock(
    request: Request, session: SessionDep, acc: Admin, account_id: int, note: Text = ""
) -> Response:
    try:
        was = admin.unlock(session, acc, account_id, note=note)
    except Refused as e:
        return _refused(request, session, acc, account_id, e, "unlock")
    return back(f"{HERE}/{account_id}", "已解除登录锁定" if was else "已清除登录失败计数")
