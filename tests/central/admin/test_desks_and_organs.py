"""Desks, organs and tokens from the console's service, on SQLite and PostgreSQL: a
box registered from its public key, revoked only with a reason and only on one's own
site; an organ's token works until it is revoked, and its secret is never stored."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import OtherSite
from central.admin import devices, organs
from central.admin.common import Refused
from central.devices import service as device_service
from central.sharing import service as sharing
from protocol import keys

from .helpers import audit_of, staff


def _key() -> str:
    return keys.public_key_b64(Ed25519PrivateKey.generate())


def test_a_desk_is_registered_from_its_key_and_revoked_only_with_a_reason(
    sessions: sessionmaker[Session],
) -> None:
    boss = staff(sessions, "boss", org="minhou")
    key = _key()
    with sessions() as s:
        d = devices.register(s, boss, name="desk-1", site="", public_key=f" {key}\n")
        assert (d.id, d.site, d.public_key, d.status) == ("desk-1", "minhou", key, "offline")
    for why in ("", " 丢 "):
        with sessions() as s, pytest.raises(Refused) as e:
            devices.revoke(s, boss, "desk-1", why=why)
        assert e.value.field == "reason"
    with sessions() as s:
        assert device_service.get(s, name="desk-1").revoked_at is None  # type: ignore[union-attr]
        devices.revoke(s, boss, "desk-1", why="终端丢失")
    with sessions() as s:
        assert device_service.get(s, name="desk-1").revoked  # type: ignore[union-attr]
        with pytest.raises(Refused):
            devices.revoke(s, boss, "desk-1", why="再次吊销")
    assert audit_of(sessions, "device:desk-1") == [
        ("boss", "device.register", f"院 minhou；公钥 {key[:12]}…"),
        ("boss", "device.revoke", "终端丢失"),
    ]


def test_a_wrong_desk_is_refused_in_chinese_and_nothing_is_registered(
    sessions: sessionmaker[Session],
) -> None:
    city = staff(sessions, "city")
    key = _key()
    with sessions() as s:
        devices.register(s, city, name="desk-1", site="minhou", public_key=key)
    cases = [
        ({"name": "Desk 2"}, "name", "终端名称"),
        ({"site": "闽侯"}, "site", "院代码"),
        ({"public_key": "not a key"}, "public_key", "公钥"),
        ({"public_key": "A" * 10}, "public_key", "公钥"),
        ({"name": "desk-1", "public_key": _key()}, "name", "已登记"),
    ]
    for change, field, words in cases:
        typed = {"name": "desk-2", "site": "minhou", "public_key": key, **change}
        with sessions() as s, pytest.raises(Refused) as e:
            devices.register(s, city, **typed)
        assert (e.value.field, words in str(e.value)) == (field, True), str(e.value)
    with sessions() as s:
        assert [d.id for d in devices.listed(s, city)] == ["desk-1"]


def test_another_sites_desk_is_not_a_site_admins(sessions: sessionmaker[Session]) -> None:
    boss = staff(sessions, "boss", org="minhou")
    city = staff(sessions, "city")
    with sessions() as s:
        devices.register(s, city, name="far-desk", site="gulou", public_key=_key())
    with sessions() as s:
        devices.register(s, city, name="near-desk", site="minhou", public_key=_key())
    with sessions() as s, pytest.raises(OtherSite):
        devices.register(s, boss, name="desk-9", site="gulou", public_key=_key())
    with sessions() as s, pytest.raises(OtherSite):
        devices.revoke(s, boss, "far-desk", why="不是我的")
    with sessions() as s:
        assert [d.id for d in devices.listed(s, boss)] == ["near-desk"]
        assert [d.id for d in devices.listed(s, city)] == ["far-desk", "near-desk"]
        assert not device_service.get(s, name="far-desk").revoked  # type: ignore[union-attr]


def test_an_organs_token_is_shown_once_works_and_stops_when_revoked(
    sessions: sessionmaker[Session],
) -> None:
    boss = staff(sessions, "boss", org="minhou")
    with sessions() as s:
        organs.create(s, boss, id="police-minhou", name="闽侯县公安局", kind="police",
                      fields=["summary", "status"])  # fmt: skip
    with sessions() as s:
        row, secret = organs.issue(s, boss, "police-minhou", label="刑侦大队")
        token_id = row.id
    with sessions() as s:
        organ, _ = sharing.authenticate(s, secret)
        assert organ.name == "闽侯县公安局"
        [listed] = organs.listed(s)
        assert [t.id for t in listed.tokens] == [token_id]
        assert secret not in repr(vars(listed.tokens[0]))  # only its hash is kept
        with pytest.raises(Refused):
            organs.revoke(s, boss, token_id, why="")
    with sessions() as s:
        organs.revoke(s, boss, token_id, why="对方人员调整")
    with sessions() as s, pytest.raises(sharing.SharingError):
        sharing.authenticate(s, secret)
    assert audit_of(sessions, "organ:police-minhou")[0][:2] == ("boss", "sharing.organ.create")
    assert audit_of(sessions, "organ:police-minhou")[1] == (
        "boss",
        "sharing.token.issue",
        "刑侦大队",
    )
    assert audit_of(sessions, f"token:{token_id}") == [
        ("boss", "sharing.token.revoke", "对方人员调整")
    ]


def test_a_wrong_organ_or_token_is_refused_in_chinese(sessions: sessionmaker[Session]) -> None:
    city = staff(sessions, "city")
    with sessions() as s:
        organs.create(s, city, id="town-a", name="甘蔗街道", kind="township", fields=["status"])
    cases = [
        ({"id": "Town A"}, "id", "编号"),
        ({"id": "town-a"}, "id", "已存在"),
        ({"name": " "}, "name", "名称"),
        ({"fields": []}, "fields", "可见"),
        ({"kind": "army"}, "kind", "类别"),
    ]
    for change, field, words in cases:
        typed = {
            "id": "town-b",
            "name": "上街镇",
            "kind": "township",
            "fields": ["status"],
            **change,
        }
        with sessions() as s, pytest.raises(Refused) as e:
            organs.create(s, city, **typed)  # type: ignore[arg-type]
        assert (e.value.field, words in str(e.value)) == (field, True), str(e.value)
    with sessions() as s:
        assert [o.row.id for o in organs.listed(s)] == ["town-a"]
        with pytest.raises(Refused):
            organs.issue(s, city, "town-a", label="")
        with pytest.raises(Refused):
            organs.issue(s, city, "no-such-organ", label="试")
        with pytest.raises(Refused):
            organs.revoke(s, city, "0" * 16, why="没有这个")
