"""Desks (接访终端) from the console: list with status and last seen, register a box
from its public key, revoke it with a stated reason. ``central.devices.service`` does
the work (the API and ``zhifang provision register`` use it too)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from central.access.principals import Staff
from central.audit import service as audit
from central.devices import service as devices
from central.devices.models import Device
from central.devices.schemas import DeviceCreate
from protocol import keys, topics

from .common import Refused, committed, own_site, reason, site_code


def listed(session: Session, acc: Staff) -> Sequence[Device]:
    return devices.list_devices(session, site=acc.site)


def _checked(name: str, site: str, public_key: str) -> DeviceCreate:
    """The box's details in the API's own shape, each mistake said in Chinese."""
    name, public_key = name.strip(), public_key.strip()
    try:
        topics.check_name("device", name)
    except ValueError:
        raise Refused(
            "终端名称只能用小写字母、数字、连字符和下划线（1–63 个字符），如 desk-1", field="name"
        ) from None
    site = site_code(site)
    try:
        keys.load_public_b64(public_key)
    except (ValueError, TypeError):
        raise Refused(
            "公钥应为终端 Ed25519 公钥的 base64（44 个字符，由 zhifang appliance keygen 打印）",
            field="public_key",
        ) from None
    return DeviceCreate(name=name, site=site, public_key=public_key)


def register(session: Session, acc: Staff, *, name: str, site: str, public_key: str) -> Device:
    data = _checked(name, site or (acc.site or ""), public_key)
    own_site(acc, data.site, what="该终端")

    def change() -> Device:
        try:
            device = devices.register(session, data=data)
        except devices.DeviceExists as e:
            raise Refused(str(e), field="name") from e
        audit.record(
            session, actor=acc.actor, action="device.register", target=f"device:{device.id}",
            reason=f"院 {device.site}；公钥 {device.public_key[:12]}…",
        )  # fmt: skip
        return device

    return committed(session, change)


def revoke(session: Session, acc: Staff, name: str, *, why: str) -> Device:
    """Revoke a box: never without a stated reason, which the audit row keeps."""
    found = devices.get(session, name=name)
    if found is None:
        raise Refused(f"没有名为 {name} 的终端")
    own_site(acc, found.site, what="该终端")
    stated = reason(why)
    if found.revoked:
        raise Refused(f"终端 {name} 已于此前吊销")

    def change() -> Device:
        device = devices.revoke(session, name=name)
        audit.record(
            session, actor=acc.actor, action="device.revoke", target=f"device:{name}",
            reason=stated,
        )  # fmt: skip
        return device

    return committed(session, change)
