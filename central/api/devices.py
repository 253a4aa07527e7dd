"""/api/devices: register, list, revoke.

Registering and revoking need an admin of the box's site or that site's provisioning
credential (``zhifang provision register``); both are audited with who and why.
Listing is for staff, limited to the account's own site.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import READ, REGISTRY
from central.access.principals import Principal, Provisioner, Staff
from central.deps import SessionDep
from central.devices import service
from central.devices.schemas import DeviceCreate, DevicePublic

router = APIRouter(prefix="/api/devices", tags=["devices"])

Registrar = Annotated[Staff | Provisioner, Depends(REGISTRY)]


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="why the box is revoked")


def _may_manage(who: Principal, site: str) -> None:
    own = who.sees_org(site) if isinstance(who, Staff) else getattr(who, "site", None) == site
    if not own:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"只能管理本院（站点）的设备，而不是 {site}")


@router.post("", response_model=DevicePublic, status_code=status.HTTP_201_CREATED)
def register_device(data: DeviceCreate, session: SessionDep, who: Registrar) -> DevicePublic:
    _may_manage(who, data.site)
    device = service.register_box(session, data=data, actor=who.actor)  # DeviceExists: 409
    return DevicePublic.model_validate(device)


@router.get("", response_model=list[DevicePublic])
def list_devices(
    session: SessionDep, acc: Annotated[Staff, Depends(READ)], site: str | None = None
) -> list[DevicePublic]:
    if acc.site is not None:
        if site not in (None, acc.site):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "只能查看本院的设备")
        site = acc.site
    return [DevicePublic.model_validate(d) for d in service.list_devices(session, site=site)]


@router.post("/{name}/revoke", response_model=DevicePublic)
def revoke_device(name: str, body: RevokeIn, session: SessionDep, who: Registrar) -> DevicePublic:
    # no such box: DeviceNotFound, 404 (central.api.errors)
    device = service.revoke_box(
        session, name=name, actor=who.actor, reason=body.reason,
        may_manage=lambda site: _may_manage(who, site),
    )  # fmt: skip
    return DevicePublic.model_validate(device)
