"""/api/devices: register, list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from central.deps import SessionDep

from . import service
from .schemas import DeviceCreate, DevicePublic

router = APIRouter(prefix="/api/devices", tags=["devices"])


@router.post("", response_model=DevicePublic, status_code=status.HTTP_201_CREATED)
def register_device(data: DeviceCreate, session: SessionDep) -> DevicePublic:
    try:
        device = service.register(session, data=data)
    except service.DeviceExists as e:
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
    session.commit()
    return DevicePublic.model_validate(device)


@router.get("", response_model=list[DevicePublic])
def list_devices(session: SessionDep, site: str | None = None) -> list[DevicePublic]:
    return [DevicePublic.model_validate(d) for d in service.list_devices(session, site=site)]


@router.post("/{name}/revoke", response_model=DevicePublic)
def revoke_device(name: str, session: SessionDep) -> DevicePublic:
    try:
        device = service.revoke(session, name=name)
    except service.DeviceNotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    session.commit()
    return DevicePublic.model_validate(device)
