"""Accounts from the console's service, on SQLite and PostgreSQL: a site's admin keeps
to their site, an admin of every site goes everywhere, nobody locks themselves out,
every change is audited with who and why, and a refused change changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import OtherSite
from central.accounts import service as accounts
from central.accounts.models import WebSession
from central.admin import accounts as admin
from central.admin.common import Refused
from central.db import utcnow

from .helpers import PASSWORD, account, add_user, audit_of, lock, staff

NEW_PASSWORD = "a new long password"


def test_a_site_admin_creates_accounts_on_their_own_site_only(
    sessions: sessionmaker[Session],
) -> None:
    boss = staff(sessions, "boss", org="minhou")
    with sessions() as s:
        made = admin.create(
            s, boss, username="wang", display_name="王检察官", role="officer", org="",
            password=PASSWORD, again=PASSWORD, note="新入职",
        )  # fmt: skip
        assert (made.org, made.role, made.display_name) == ("minhou", "officer", "王检察官")
    with sessions() as s, pytest.raises(OtherSite):
        admin.create(
            s, boss, username="li", display_name="李", role="officer", org="gulou",
            password=PASSWORD, again=PASSWORD,
        )  # fmt: skip
    with sessions() as s, pytest.raises(Refused) as e:
        admin.create(
            s, boss, username="li", display_name="李", role="admin", org="*",
            password=PASSWORD, again=PASSWORD,
        )  # fmt: skip
    assert e.value.field == "org"
    with sessions() as s:
        assert accounts.by_username(s, "li") is None
    assert audit_of(sessions, "account:wang") == [
        ("boss", "account.add", "角色：接访人员；所属：minhou；新入职")
    ]


def test_a_refused_account_is_not_made_and_says_why_in_chinese(
    sessions: sessionmaker[Session],
) -> None:
    city = staff(sessions, "city")
    cases = [
        ({"password": PASSWORD, "again": PASSWORD + "x"}, "password", "不一致"),
        ({"password": "short", "again": "short"}, "password", "至少 8"),
        ({"org": "Min Hou"}, "org", "院代码"),
        ({"username": "city"}, "username", "已存在"),
        ({"role": "root"}, "role", "角色"),
    ]
    for change, field, words in cases:
        typed = {
            "username": "zhao", "display_name": "赵", "role": "officer", "org": "minhou",
            "password": PASSWORD, "again": PASSWORD, **change,
        }  # fmt: skip
        with sessions() as s, pytest.raises(Refused) as e:
            admin.create(s, city, **typed)
        assert (e.value.field, words in str(e.value)) == (field, True), str(e.value)
    with sessions() as s:
        assert accounts.by_username(s, "zhao") is None


def test_an_admin_changes_role_site_and_name_and_the_audit_says_who_and_why(
    sessions: sessionmaker[Session],
) -> None:
    city = staff(sessions, "city")
    add_user(sessions, "wang", "officer", "minhou", display_name="王")
    wang = account(sessions, "wang")
    with sessions() as s:
        changed = admin.update(
            s, city, wang.id, role="leader", org="gulou", display_name="王主任", note="岗位调整"
        )
    assert changed == ["角色 接访人员→领导", "所属 minhou→gulou", "姓名 王→王主任"]
    after = account(sessions, "wang")
    assert (after.role, after.org, after.display_name) == ("leader", "gulou", "王主任")
    actor, action, reason = audit_of(sessions, "account:wang")[-1]
    assert (actor, action) == ("city", "account.update")
    assert reason.endswith("；岗位调整")
    with sessions() as s:  # the same again: nothing to record
        again = admin.update(s, city, wang.id, role="leader", org="gulou", display_name="王主任")
    assert again == []
    assert len(audit_of(sessions, "account:wang")) == 2


def test_another_sites_account_is_not_a_site_admins_to_see_or_change(
    sessions: sessionmaker[Session],
) -> None:
    boss = staff(sessions, "boss", org="minhou")
    add_user(sessions, "far", "officer", "gulou")
    far = account(sessions, "far")
    attempts = [
        lambda s: admin.get(s, boss, far.id),
        lambda s: admin.update(s, boss, far.id, role="officer", org="gulou", display_name="x"),
        lambda s: admin.set_active(s, boss, far.id, active=False),
        lambda s: admin.reset_password(s, boss, far.id, password=NEW_PASSWORD, again=NEW_PASSWORD),
        lambda s: admin.unlock(s, boss, far.id),
    ]
    for attempt in attempts:
        with sessions() as s, pytest.raises(OtherSite):
            attempt(s)
    add_user(sessions, "near", "officer", "minhou")
    near = account(sessions, "near")
    city = staff(sessions, "city")
    # moving one's own site's officer away is writing to another site
    with sessions() as s, pytest.raises(OtherSite):
        admin.update(s, boss, near.id, role="officer", org="gulou", display_name="近")
    with sessions() as s:
        assert {a.username for a, _ in admin.listed(s, boss).rows} == {"boss", "near"}
        assert "far" in {a.username for a, _ in admin.listed(s, city).rows}
    assert audit_of(sessions, "account:far")[1:] == []


def test_an_admin_cannot_lock_themselves_out(sessions: sessionmaker[Session]) -> None:
    me = staff(sessions, "boss", org="minhou")
    attempts = [
        lambda s: admin.update(s, me, me.id, role="officer", org="minhou", display_name="我"),
        lambda s: admin.set_active(s, me, me.id, active=False),
        lambda s: admin.reset_password(s, me, me.id, password=NEW_PASSWORD, again=NEW_PASSWORD),
    ]
    for attempt in attempts:
        with sessions() as s, pytest.raises(Refused):
            attempt(s)
    with sessions() as s:  # their own name they may change
        assert admin.update(s, me, me.id, role="admin", org="minhou", display_name="陈") != []
    after = account(sessions, "boss")
    assert (after.role, after.active, after.display_name) == ("admin", True, "陈")


def test_disable_ends_the_sessions_enable_lets_them_back(sessions: sessionmaker[Session]) -> None:
    city = staff(sessions, "city")
    add_user(sessions, "wang", "officer", "minhou")
    wang = account(sessions, "wang")
    with sessions.begin() as s:
        accounts.open_session(s, account=accounts.existing(s, "wang"))
    with sessions() as s:
        assert admin.set_active(s, city, wang.id, active=False, note="调离") == 1
    with sessions() as s:
        assert s.query(WebSession).filter_by(account_id=wang.id).count() == 0
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(s, username="wang", password=PASSWORD)
    with sessions() as s:
        admin.set_active(s, city, wang.id, active=True)
        accounts.authenticate(s, username="wang", password=PASSWORD)
    trail = [t for t in audit_of(sessions, "account:wang") if t[0] == "city"]
    assert [a[1] for a in trail] == ["account.disable", "account.enable"]
    assert trail[0][2] == "结束会话 1 个；调离"


def test_a_reset_password_works_ends_sessions_and_lifts_the_lock(
    sessions: sessionmaker[Session],
) -> None:
    city = staff(sessions, "city")
    add_user(sessions, "wang", "officer", "minhou")
    wang = account(sessions, "wang")
    lock(sessions, "wang")
    with sessions() as s:
        assert admin.get(s, city, wang.id)[1] is not None  # locked, and the page says till when
        with pytest.raises(Refused):
            admin.reset_password(s, city, wang.id, password=NEW_PASSWORD, again="different one")
    with sessions() as s:
        accounts.authenticate(s, username="wang", password=PASSWORD)  # unchanged
        admin.reset_password(s, city, wang.id, password=NEW_PASSWORD, again=NEW_PASSWORD,
                             note="本人遗忘")  # fmt: skip
    with sessions() as s:
        accounts.authenticate(s, username="wang", password=NEW_PASSWORD)
        assert admin.get(s, city, wang.id)[1] is None
    assert audit_of(sessions, "account:wang")[-1][:2] == ("city", "account.password.reset")


def test_unlock_lifts_the_lock_and_says_so(sessions: sessionmaker[Session]) -> None:
    boss = staff(sessions, "boss", org="minhou")
    add_user(sessions, "wang", "officer", "minhou")
    lock(sessions, "wang")
    wang = account(sessions, "wang")
    with sessions() as s:
        assert admin.unlock(s, boss, wang.id, note="已核实本人") is not None
    with sessions() as s:
        assert admin.get(s, boss, wang.id)[1] is None
    actor, action, reason = audit_of(sessions, "account:wang")[-1]
    assert (actor, action) == ("boss", "account.unlock") and reason.endswith("已核实本人")


def test_the_list_pages_and_finds_by_part_of_a_name(sessions: sessionmaker[Session]) -> None:
    city = staff(sessions, "city")
    for i in range(admin.PAGE + 5):
        add_user(sessions, f"user{i:02d}", "officer", "minhou", display_name=f"张{i:02d}")
    add_user(sessions, "odd_one", "officer", "minhou", display_name="李100%")
    with sessions() as s:
        first = admin.listed(s, city)
        second = admin.listed(s, city, page=2)
        assert (first.total, first.pages, len(first.rows)) == (admin.PAGE + 7, 2, admin.PAGE)
        assert {a.id for a, _ in first.rows}.isdisjoint({a.id for a, _ in second.rows})
        assert admin.listed(s, city, q="张0").total == 10
        assert [a.username for a, _ in admin.listed(s, city, q="100%").rows] == ["odd_one"]
        assert admin.listed(s, city, q="%").total == 1  # a typed % is a %, not "anything"
        assert admin.listed(s, city, q="_").total == 1
        assert admin.listed(s, city, q="user3").total == 5
    assert utcnow()  # the clock the lock checks is the same UTC clock
