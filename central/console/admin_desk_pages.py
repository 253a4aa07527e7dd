"""系统管理 · 接访终端 and 有关单位: the desks (status, last seen; register a box from
its public key; revoke one with a stated reason) and the other organs with their API
tokens (create an organ; issue a token, its secret shown once on the page that issued
it and never again; revoke one with a reason). ``central.admin.devices`` and
``central.admin.organs`` check, change, audit and commit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from central.access.gates import ORGANS_ADMIN, Admin
from central.access.principals import Staff
from central.admin import accounts as admin_accounts
from central.admin import devices as admin_devices
from central.admin import organs as admin_organs
from central.admin.common import Refused
from central.deps import SessionDep
from central.sharing.models import OrganToken

from .actions import back
from .templating import render

router = APIRouter(prefix="/admin")
OrgansAdmin = Annotated[Staff, Depends(ORGANS_ADMIN)]
Text = Annotated[str, Form(max_length=2000)]
Msg = Annotated[str, Query(max_length=500)]
DESKS = "/console/admin/devices"
ORGANS = "/console/admin/organs"


def _desks(
    request: Request, session: Session, acc: Staff, *, msg: str = "", error: str = "",
    field: str = "", form: str = "", values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    ctx: dict[str, Any] = {
        "devices": admin_devices.listed(session, acc), "msg": msg, "error": error,
        "field": field, "form": form, "v": values or {"site": acc.site or ""},
        "sites": admin_accounts.sites(session, acc), "tab": "devices",
    }  # fmt: skip
    return render(request, "admin_devices.html", ctx, session=session, acc=acc,
                  status_code=status_code)  # fmt: skip


@router.get("/devices", response_class=HTMLResponse)
def devices_page(request: Request, session: SessionDep, acc: Admin, msg: Msg = "") -> HTMLResponse:
    """The admin's site's desks (every site's for an admin of every site)."""
    return _desks(request, session, acc, msg=msg)


@router.post("/devices")
def register_device(
    request: Request, session: SessionDep, acc: Admin, name: Text = "", site: Text = "",
    public_key: Text = "",
) -> Response:  # fmt: skip
    try:
        d = admin_devices.register(session, acc, name=name, site=site, public_key=public_key)
    except Refused as e:
        typed = {"name": name, "site": site, "public_key": public_key}
        return _desks(request, session, acc, error=str(e), field=e.field, form="register",
                      values=typed, status_code=422)  # fmt: skip
    return back(DESKS, f"已登记接访终端 {d.id}（{d.site}）")


@router.post("/devices/{name}/revoke")
def revoke_device(
    request: Request, session: SessionDep, acc: Admin, name: str, reason: Text = ""
) -> Response:
    try:
        admin_devices.revoke(session, acc, name, why=reason)
    except Refused as e:
        return _desks(request, session, acc, error=str(e), field=e.field, form=f"revoke:{name}",
                      values={"reason": reason}, status_code=422)  # fmt: skip
    return back(DESKS, f"已吊销接访终端 {name}")


def _organs(
    request: Request, session: Session, acc: Staff, *, msg: str = "", error: str = "",
    field: str = "", form: str = "", values: dict[str, Any] | None = None,
    issued: tuple[OrganToken, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    ctx: dict[str, Any] = {
        "organs": admin_organs.listed(session), "msg": msg, "error": error, "field": field,
        "form": form, "v": values or {"kind": "police", "fields": ["status"]},
        "kinds": admin_organs.KINDS, "fields": admin_organs.FIELDS, "issued": issued,
        "tab": "organs",
    }  # fmt: skip
    page = render(request, "admin_organs.html", ctx, session=session, acc=acc,
                  status_code=status_code)  # fmt: skip
    if issued:  # the secret is on this page only: no cache may keep it
        page.headers["Cache-Control"] = "no-store"
    return page


@router.get("/organs", response_class=HTMLResponse)
def organs_page(
    request: Request, session: SessionDep, acc: OrgansAdmin, msg: Msg = ""
) -> HTMLResponse:
    return _organs(request, session, acc, msg=msg)


@router.post("/organs")
def create_organ(
    request: Request, session: SessionDep, acc: OrgansAdmin, id: Text = "", name: Text = "",
    kind: Text = "", fields: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
) -> Response:  # fmt: skip
    fields = fields[:20]
    try:
        row = admin_organs.create(session, acc, id=id, name=name, kind=kind, fields=fields)
    except Refused as e:
        typed = {"id": id, "name": name, "kind": kind, "fields": fields}
        return _organs(request, session, acc, error=str(e), field=e.field, form="organ",
                       values=typed, status_code=422)  # fmt: skip
    return back(ORGANS, f"已登记有关单位：{row.name}")


@router.post("/organs/{organ_id}/tokens")
def issue_token(
    request: Request, session: SessionDep, acc: OrgansAdmin, organ_id: str, label: Text = ""
) -> Response:
    try:
        issued = admin_organs.issue(session, acc, organ_id, label=label)
    except Refused as e:
        return _organs(request, session, acc, error=str(e), field=e.field,
                       form=f"token:{organ_id}", values={"label": label},
                       status_code=422)  # fmt: skip
    return _organs(request, session, acc, issued=issued, status_code=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: SessionDep, acc: OrgansAdmin, token_id: str, reason: Text = ""
) -> Response:
    try:
        admin_organs.revoke(session, acc, token_id, why=reason)
    except Refused as e:
        return _organs(request, session, acc, error=str(e), field=e.field,
                       form=f"revoke:{token_id}", values={"reason": reason},
                       status_code=422)  # fmt: skip
    return back(ORGANS, "已吊销令牌")
