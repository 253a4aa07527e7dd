"""Login throttling: per username at an address (locked), per address (locked) and per
username over every address (slowed, never locked), counted in the database so every
central process counts together; locks grow, successes reset the name, lockouts are
audited, and nothing tells a guesser which usernames exist."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from central.accounts import service as accounts
from central.accounts import throttle
from central.accounts.login import LoginLocked, log_in
from central.accounts.models import LoginThrottle
from central.app import create_app
from central.audit.models import AuditLog
from central.settings import Settings
from tests.central.accounts.helpers import PASSWORD, add_user
from tests.concurrency import race

# 2026-11-30 09:15:20 in Beijing
NOW = datetime(2026, 11, 30, 1, 15, 20, tzinfo=UTC)
LIMITS = throttle.Limits(user_failures=5, ip_failures=30)


def P(user: str, ip: str = "10.0.0.1") -> str:
    """The key of a username at an address."""
    return throttle.pair_key(user, ip)


def _try(
    sessions: sessionmaker[Session],
    username: str,
    password: str = "wrong password",
    *,
    ip: str = "10.0.0.1",
    limits: throttle.Limits = LIMITS,
    now: datetime = NOW,
) -> str:
    """One login attempt: "ok", "bad" (checked, wrong), "locked" (the check that locked),
    or "refused" (no password checked)."""
    try:
        log_in(sessions, username=username, password=password, client=ip, limits=limits, now=now)
    except LoginLocked as e:
        return "locked" if str(e).startswith(accounts.BAD_CREDENTIALS) else "refused"
    except accounts.BadCredentials:
        return "bad"
    return "ok"


def _row(sessions: sessionmaker[Session], scope: str, key: str) -> LoginThrottle | None:
    with sessions() as s:
        return s.get(LoginThrottle, (scope, key))


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditLog]:
    with sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


# ---- the counting, with a clock -------------------------------------------------------


def test_five_failures_lock_the_name_even_for_the_right_password(
    served: sessionmaker[Session],
) -> None:
    add_user(served, "zhang", "officer")
    assert [_try(served, "zhang") for _ in range(5)] == ["bad"] * 4 + ["locked"]
    assert _try(served, "zhang", PASSWORD) == "refused"
    row = _row(served, "pair", P("zhang"))
    assert row is not None and row.locked_until == NOW + timedelta(minutes=15)
    # after the lock, five more failures lock it twice as long
    later = NOW + timedelta(minutes=15)
    assert [_try(served, "zhang", now=later) for _ in range(5)] == ["bad"] * 4 + ["locked"]
    row = _row(served, "pair", P("zhang"))
    assert row is not None and row.locked_until == later + timedelta(minutes=30)
    assert row.lockouts == 2
    # and once that is over, the right password gets in and the name starts over
    assert _try(served, "zhang", PASSWORD, now=later + timedelta(minutes=30)) == "ok"
    assert _row(served, "pair", P("zhang")) is None


def test_failures_outside_the_window_do_not_add_up(served: sessionmaker[Session]) -> None:
    add_user(served, "zhang", "officer")
    assert [_try(served, "zhang") for _ in range(4)] == ["bad"] * 4
    later = NOW + timedelta(minutes=15)
    assert [_try(served, "zhang", now=later) for _ in range(4)] == ["bad"] * 4
    row = _row(served, "pair", P("zhang"))
    assert row is not None and row.failures == 4 and row.locked_until is None


def test_a_success_resets_the_names_count(served: sessionmaker[Session]) -> None:
    add_user(served, "zhang", "officer")
    assert [_try(served, "zhang") for _ in range(4)] == ["bad"] * 4
    assert _try(served, "zhang", PASSWORD) == "ok"
    assert [_try(served, "zhang") for _ in range(4)] == ["bad"] * 4  # not locked


def test_lockouts_are_forgotten_a_quiet_day_after_the_lock(served: sessionmaker[Session]) -> None:
    for _ in range(5):
        _try(served, "ghost")
    quiet = NOW + timedelta(minutes=15) + timedelta(days=1)  # a day after the lock ended
    assert [_try(served, "ghost", now=quiet) for _ in range(5)] == ["bad"] * 4 + ["locked"]
    row = _row(served, "pair", P("ghost"))
    assert row is not None and row.lockouts == 1
    assert row.locked_until == quiet + timedelta(minutes=15)  # a first lock again


def test_a_lock_at_the_cap_is_not_forgotten_when_it_ends(served: sessionmaker[Session]) -> None:
    lim = throttle.Limits(lock=timedelta(minutes=15), lock_max=timedelta(minutes=30))
    at, lengths = NOW, []
    for _ in range(3):
        assert [_try(served, "ghost", limits=lim, now=at) for _ in range(5)][-1] == "locked"
        row = _row(served, "pair", P("ghost"))
        assert row is not None and row.locked_until is not None
        lengths.append(row.locked_until - at)
        at = row.locked_until
    assert lengths == [timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=30)]
    last = _row(served, "pair", P("ghost"))
    assert last is not None and last.lockouts == 3


def test_lock_lengths_double_up_to_the_cap() -> None:
    lim = throttle.Limits(lock=timedelta(minutes=15), lock_max=timedelta(hours=2))
    assert [lim.lock_for(n) for n in (1, 2, 3, 4, 5, 1000)] == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=2),
        timedelta(hours=2),
    ]


def test_unknown_names_are_locked_the_same_way(served: sessionmaker[Session]) -> None:
    add_user(served, "zhang", "officer")
    known = [_try(served, "zhang") for _ in range(6)]
    unknown = [_try(served, "nobody") for _ in range(6)]
    assert known == unknown == ["bad"] * 4 + ["locked", "refused"]


def test_an_address_failing_over_many_names_is_locked(served: sessionmaker[Session]) -> None:
    add_user(served, "zhang", "officer")
    lim = throttle.Limits(user_failures=5, ip_failures=6)
    names = [f"guess{i}" for i in range(6)]
    assert [_try(served, n, limits=lim) for n in names] == ["bad"] * 5 + ["locked"]
    # the right password from that address is refused; from another it gets in
    assert _try(served, "zhang", PASSWORD, limits=lim) == "refused"
    assert _try(served, "zhang", PASSWORD, ip="10.0.0.2", limits=lim) == "ok"
    (row,) = _audit(served, "login.ip.lockout")
    assert row.target == "ip:10.0.0.1" and row.client == "10.0.0.1"
    assert row.actor == "login-throttle" and "6 次" in row.reason


def test_a_success_does_not_forgive_the_addresss_other_failures(
    served: sessionmaker[Session],
) -> None:
    add_user(served, "zhang", "officer")
    lim = throttle.Limits(user_failures=5, ip_failures=3)
    assert [_try(served, n, limits=lim) for n in ("a", "b")] == ["bad", "bad"]
    assert _try(served, "zhang", PASSWORD, limits=lim) == "ok"
    assert _try(served, "c", limits=lim) == "locked"  # the third failure, not the second


def test_lockouts_are_audited_with_the_address(served: sessionmaker[Session]) -> None:
    for _ in range(5):
        _try(served, "zhang", ip="192.0.2.7")
    (row,) = _audit(served, "account.lockout")
    assert (row.actor, row.target, row.client) == ("login-throttle", "account:zhang", "192.0.2.7")
    assert "15 分钟内登录失败 5 次" in row.reason and "第 1 次锁定" in row.reason
    assert "2026-11-30 09:30" in row.reason  # Beijing time


def test_stale_rows_are_pruned_but_locks_and_recent_counts_stay(
    served: sessionmaker[Session],
) -> None:
    long_ago = NOW - timedelta(days=2)
    _try(served, "old", ip="10.9.9.9", now=long_ago)
    for _ in range(5):
        _try(served, "locked", ip="10.0.0.2", now=NOW - timedelta(days=1, minutes=1))
    _try(served, "recent")
    with served() as s:
        long_lock = s.get(LoginThrottle, ("pair", P("locked", "10.0.0.2")))
        assert long_lock is not None
        long_lock.locked_until = NOW + timedelta(hours=1)  # as an admin-length lock
        s.commit()
        # old's name, pair and address; locked's name and address (its pair is locked)
        assert throttle.prune(s, limits=LIMITS, now=NOW) == 5
        left = {(r.scope, r.key) for r in s.execute(select(LoginThrottle.scope, LoginThrottle.key))}
    assert left == {
        ("pair", P("locked", "10.0.0.2")), ("user", "recent"), ("pair", P("recent")),
        ("ip", "10.0.0.1"),
    }  # fmt: skip


def test_the_message_says_when_to_come_back() -> None:
    msg = throttle.lock_message(NOW + timedelta(minutes=15), NOW)
    assert msg == (
        "登录失败次数过多，已暂时锁定。请于 09:30（北京时间，约 15 分钟后）再试，或请管理员解锁。"
    )
    assert "12月1日 09:15" in throttle.lock_message(NOW + timedelta(days=1), NOW)


# ---- concurrency: several requests (or processes) at once --------------------------


def test_concurrent_failures_are_counted_exactly(served: sessionmaker[Session]) -> None:
    n = 16
    # no lock and no slowing down within n: every failure is checked and counted once
    lim = throttle.Limits(user_failures=100, ip_failures=100, user_slow_after=100)
    assert race(n, lambda: _try(served, "zhang", limits=lim)) == ["bad"] * n
    user, addr = _row(served, "pair", P("zhang")), _row(served, "ip", "10.0.0.1")
    assert user is not None and user.failures == n
    assert addr is not None and addr.failures == n


def test_concurrent_guesses_get_exactly_the_limit_of_password_checks(
    served: sessionmaker[Session],
) -> None:
    add_user(served, "zhang", "officer")
    n = 20
    results = race(n, lambda: _try(served, "zhang"))
    assert sorted(results) == sorted(["bad"] * 4 + ["locked"] + ["refused"] * (n - 5))
    assert len(_audit(served, "account.lockout")) == 1
    row = _row(served, "pair", P("zhang"))
    assert row is not None and row.lockouts == 1 and row.failures == 0
    assert row.locked_until == NOW + timedelta(minutes=15)


# ---- over HTTP, the way a person logs in ----------------------------------------------


def _form(c: TestClient, username: str, password: str = "wrong password") -> tuple[int, str]:
    c.get("/console/login")
    token = c.cookies.get("zf_login_csrf")
    r = c.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    error = re.search(r'<div class="flash error">(.*?)</div>', r.text)
    return r.status_code, error.group(1) if error else ""


def _no_times(message: str) -> str:
    return re.sub(r"\d+", "N", message)


def test_a_locked_login_answers_429_with_when_to_retry(client: TestClient, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    codes = [_form(client, "zhang")[0] for _ in range(4)]
    assert codes == [401] * 4
    code, msg = _form(client, "zhang")
    assert code == 429 and msg.startswith("用户名或密码错误。登录失败次数过多")
    client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "username": "zhang",
            "password": PASSWORD,
            "csrf_token": client.cookies.get("zf_login_csrf"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 429 and "zf_session" not in r.cookies
    assert 840 <= int(r.headers["Retry-After"]) <= 900
    assert re.search(r"请于 \d\d:\d\d（北京时间，约 1[45] 分钟后）再试", r.text)


def test_unknown_usernames_get_the_same_answers(client: TestClient, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    known = [_form(client, "zhang") for _ in range(6)]
    unknown = [_form(client, "nobody") for _ in range(6)]
    assert [c for c, _ in known] == [c for c, _ in unknown] == [401] * 4 + [429, 429]
    assert [_no_times(m) for _, m in known] == [_no_times(m) for _, m in unknown]


def test_an_admin_unlock_lets_the_person_in(client: TestClient, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    for _ in range(5):
        _form(client, "zhang")
    assert _form(client, "zhang", PASSWORD)[0] == 429
    with sessions.begin() as s:
        assert accounts.unlock(s, username="zhang", actor="cli") is not None
    assert _form(client, "zhang", PASSWORD)[0] == 303
    (row,) = _audit(sessions, "account.unlock")
    assert row.actor == "cli" and "原锁定至" in row.reason


def test_the_address_throttle_over_http(settings: Settings, engine: Engine, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    tight = settings.model_copy(update={"login_ip_max_failures": 3})
    app = create_app(tight, engine=engine)
    with (
        TestClient(app, client=("198.51.100.4", 5000)) as far,
        TestClient(app, client=("198.51.100.5", 5000)) as near,
    ):
        assert [_form(far, f"guess{i}")[0] for i in range(3)] == [401, 401, 429]
        assert _form(far, "zhang", PASSWORD)[0] == 429
        assert _form(near, "zhang", PASSWORD)[0] == 303
    (row,) = _audit(sessions, "login.ip.lockout")
    assert row.target == "ip:198.51.100.4"


# ---- a stranger cannot lock the real user out -----------------------------------------


def test_failures_from_another_address_do_not_lock_the_real_user(
    served: sessionmaker[Session],
) -> None:
    add_user(served, "zhang", "officer")
    attacker = [_try(served, "zhang", ip="203.0.113.9") for _ in range(6)]
    assert attacker == ["bad"] * 4 + ["locked", "refused"]  # the attacker's address is
    assert _try(served, "zhang", PASSWORD, ip="10.0.0.1") == "ok"  # the user's own is not


def test_guesses_spread_over_many_addresses_are_slowed_never_locked(
    served: sessionmaker[Session],
) -> None:
    lim = throttle.Limits(user_failures=5, ip_failures=30, user_slow_after=10)
    add_user(served, "zhang", "officer")
    at = NOW
    # ten addresses, one guess each: no lock anywhere, and then the name slows down
    got = [_try(served, "zhang", ip=f"198.51.100.{i}", limits=lim, now=at) for i in range(10)]
    assert got == ["bad"] * 10
    row = _row(served, "user", "zhang")
    assert row is not None and row.locked_until == at + timedelta(seconds=1)
    assert _try(served, "zhang", ip="198.51.100.99", limits=lim, now=at) == "refused"
    waits = []
    for n in range(8):  # each further failure doubles the wait, up to a minute
        at = row.locked_until
        assert _try(served, "zhang", ip=f"198.51.101.{n}", limits=lim, now=at) == "bad"
        row = _row(served, "user", "zhang")
        assert row is not None and row.locked_until is not None
        waits.append((row.locked_until - at).total_seconds())
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    # the real user, once the short wait is over, gets in with the right password
    assert _try(served, "zhang", PASSWORD, limits=lim, now=row.locked_until) == "ok"
    assert [a.target for a in _audit(served, "account.slowdown")] == ["account:zhang"]
    assert _audit(served, "account.lockout") == []


def test_a_slowed_login_answers_429_for_seconds_not_hours(
    settings: Settings, engine: Engine, sessions
) -> None:
    add_user(sessions, "zhang", "officer")
    lim = throttle.Limits(user_slow_after=2)
    # from elsewhere, dated 20 s ahead: the 1-second wait they cause is still running
    # when the form is posted, however slow the machine is
    soon = accounts.utcnow() + timedelta(seconds=20)
    for i in range(2):
        _try(sessions, "zhang", ip=f"198.51.100.{i}", limits=lim, now=soon)
    app = create_app(settings.model_copy(update={"login_user_slow_after": 2}), engine=engine)
    with TestClient(app) as c:
        code, msg = _form(c, "zhang", PASSWORD)
    assert code == 429 and "秒后再试" in msg
