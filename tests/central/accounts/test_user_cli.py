"""``zhifang central user disable | enable | reset-password | unlock | list``: what an
administrator does from the server's shell, each change audited with the actor "cli"."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.accounts import cli
from central.accounts.models import Account, WebSession
from central.audit.models import AuditLog
from central.settings import Settings
from tests.central.accounts.helpers import PASSWORD, add_user, login

Run = Callable[..., tuple[int, str, str]]
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def run(
    settings: Settings,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``zhifang central user ...`` against the test database: (exit code, out, err)."""
    for k, v in {
        "ZHIFANG_ENVIRONMENT": "development",
        "ZHIFANG_DATABASE_URL": settings.db_url,
        "ZHIFANG_DATA_DIR": str(settings.data_dir),
    }.items():
        monkeypatch.setenv(k, v)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())

    def go(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        args = parser.parse_args(["user", *argv])
        code = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err

    return go


def _fail(client: TestClient, username: str, password: str = "wrong password") -> int:
    client.get("/console/login")
    r = client.post(
        "/console/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": client.cookies.get("zf_login_csrf"),
        },
        follow_redirects=False,
    )
    return r.status_code


def _actions(sessions: sessionmaker[Session], target: str) -> list[tuple[str, str]]:
    with sessions() as s:
        rows = s.execute(
            select(AuditLog.action, AuditLog.actor)
            .where(AuditLog.target == target)
            .order_by(AuditLog.id)
        )
        return [(a, b) for a, b in rows]


def _sessions_of(sessions: sessionmaker[Session], username: str) -> int:
    with sessions() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(WebSession)
                .join(Account, Account.id == WebSession.account_id)
                .where(Account.username == username)
            )
            or 0
        )


def test_disable_ends_a_logged_in_persons_session_at_once(
    run: Run, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "zhang", "officer")
    login(client, "zhang")
    assert client.get("/console/search").status_code == 200
    code, out, _ = run("disable", "zhang")
    assert code == 0 and "已停用账户 zhang（结束会话 1 个）" in out
    page = client.get("/console/search", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
    assert _sessions_of(sessions, "zhang") == 0
    assert _fail(client, "zhang", PASSWORD) == 401  # a disabled account cannot log in
    assert ("account.disable", "cli") in _actions(sessions, "account:zhang")


def test_enable_lets_a_disabled_account_back_in(
    run: Run, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "zhang", "officer")
    assert run("disable", "zhang")[0] == 0
    code, out, _ = run("enable", "zhang")
    assert code == 0 and "已启用账户 zhang" in out
    login(client, "zhang")
    assert client.get("/console/search").status_code == 200
    assert ("account.enable", "cli") in _actions(sessions, "account:zhang")


def test_reset_password_refuses_the_old_and_accepts_the_new(
    run: Run, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "zhang", "officer")
    login(client, "zhang")
    code, out, _ = run("reset-password", "zhang", stdin=NEW_PASSWORD + "\n")
    assert code == 0 and "结束会话 1 个" in out
    assert client.get("/console/search", follow_redirects=False).status_code == 303
    assert _fail(client, "zhang", PASSWORD) == 401
    login(client, "zhang", NEW_PASSWORD)
    assert client.get("/console/search").status_code == 200
    assert ("account.password.reset", "cli") in _actions(sessions, "account:zhang")
    with sessions() as s:  # neither password is in the log
        reasons = " ".join(s.scalars(select(AuditLog.reason)))
    assert NEW_PASSWORD not in reasons and PASSWORD not in reasons


def test_reset_password_refuses_a_short_password(run: Run, sessions) -> None:
    add_user(sessions, "zhang", "officer")
    code, _, err = run("reset-password", "zhang", stdin="short\n")
    assert code == 1 and "密码至少 8 个字符" in err


def test_unlock_lifts_the_lock_and_list_shows_it(
    run: Run, client: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "zhang", "officer")
    assert [_fail(client, "zhang") for _ in range(5)] == [401] * 4 + [429]
    assert _fail(client, "zhang", PASSWORD) == 429
    _, listed, _ = run("list")
    (line,) = [ln for ln in listed.splitlines() if ln.startswith("zhang\t")]
    assert line.split("\t")[4] != "-"
    code, out, _ = run("unlock", "zhang")
    assert code == 0 and "已解除账户 zhang 的登录锁定（原锁定至" in out
    assert _fail(client, "zhang", PASSWORD) == 303
    _, listed, _ = run("list")
    (line,) = [ln for ln in listed.splitlines() if ln.startswith("zhang\t")]
    assert line.split("\t")[4] == "-"
    assert ("account.unlock", "cli") in _actions(sessions, "account:zhang")


def test_unlock_an_address(run: Run, client: TestClient, sessions) -> None:
    code, out, _ = run("unlock", "--ip", "testclient")
    assert code == 0 and "原未锁定" in out
    assert _actions(sessions, "ip:testclient") == [("login.ip.unlock", "cli")]
    assert run("unlock")[0] == 2  # neither a name nor an address


def test_list_shows_name_role_org_state_and_no_hashes(run: Run, sessions) -> None:
    add_user(sessions, "zhang", "officer", display_name="张检察官")
    add_user(sessions, "lin", "leader", org="*")
    assert run("disable", "lin")[0] == 0
    code, out, _ = run("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t")[:5] == ["用户名", "角色", "单位", "状态", "锁定至（北京时间）"]
    assert lines[1:] == ["lin\t领导\t*\t停用\t-\tlin", "zhang\t接访人员\tminhou\t启用\t-\t张检察官"]
    assert "argon2" not in out


@pytest.mark.parametrize("command", ["disable", "enable", "reset-password", "unlock"])
def test_unknown_users_exit_2_with_a_message(run: Run, sessions, command: str) -> None:
    code, out, err = run(command, "nobody", stdin=NEW_PASSWORD + "\n")
    assert code == 2 and out == ""
    assert "没有此账户：nobody" in err
    with sessions() as s:  # nothing audited: nothing changed
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0
