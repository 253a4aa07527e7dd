"""Registering and revoking boxes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow

from .errors import DevicesError
from .models import Device
from .schemas import DeviceCreate


class DeviceError(DevicesError):
    """Root of device registration errors."""


class DeviceExists(DeviceError, ValueError):
    pass


class DeviceNotFound(DeviceError, LookupError):
    pass


def register(session: Session, *, data: DeviceCreate) -> Device:
    """Register a box. Re-registering the same name with the same key and site is a
    no-op (provisioning may run twice); a different key or site is refused."""
    existing = session.get(Device, data.name)
    if existing is not None:
        if existing.public_key == data.public_key and existing.site == data.site:
            if existing.revoked_at is None:
                return existing
            raise DeviceExists(f"设备 {data.name} 已被吊销，不能以同一密钥重新登记")
        raise DeviceExists(f"设备 {data.name} 已登记（站点或公钥不同）；请先吊销或换一个名称")
    device = Device(
        id=data.name,
        site=data.site,
        public_key=data.public_key,
        status="offline",
        registered_at=utcnow(),
    )
    session.add(device)
    session.flush()
    return device


def list_devices(session: Session, *, site: str | None = None) -> Sequence[Device]:
    q = select(Device).order_by(Device.site, Device.id)
    if site is not None:
        q = q.where(Device.site == site)
    return session.scalars(q).all()


def get(session: Session, *, name: str) -> Device | None:
    return session.get(Device, name)


def revoke(session: Session, *, name: str) -> Device:
    device = session.get(Device, name)
    if device is None:
        raise DeviceNotFound(f"没有名为 {name} 的设备")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
    return device


# ---- the API's requests, each one unit of work (the change and its audit row) --------


def register_box(session: Session, *, data: DeviceCreate, actor: str) -> Device:
    """``register``, audited (who, the site, the key's start), committed."""
    with unit_of_work(session):
        device = register(session, data=data)
        audit.record(
            session, actor=actor, action="device.register", target=f"device:{device.id}",
            reason=f"site={device.site} key={device.public_key[:12]}…",
        )  # fmt: skip
    return device


def revoke_box(
    session: Session, *, name: str, actor: str, reason: str, may_manage: Callable[[str], None]
) -> Device:
    """``revoke`` with the reason, audited, committed. ``may_manage(site)`` raises if the
    caller may not manage the box's site (the web edge's rule, passed in)."""
    with unit_of_work(session):
        found = get(session, name=name)
        if found is None:
            raise DeviceNotFound(f"没有名为 {name} 的设备")
        may_manage(found.site)
        device = revoke(session, name=name)
        audit.record(
            session, actor=actor, action="device.revoke", target=f"device:{name}", reason=reason
        )
    return device
