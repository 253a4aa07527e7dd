"""``zhifang central user add | list | disable | enable | reset-password | unlock``.

Passwords (``add``, ``reset-password``) are read from the terminal (asked twice) or,
when stdin is not a terminal, from its first line, so scripts can pipe them without
them showing in ``ps``; never from the command line. Every change is audited with the
actor ``cli``. An unknown account exits 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from central.database import make_engine, make_session_factory, migrate
from central.labels import ROLE_ZH
from central.settings import settings_or_exit as _settings

from . import service
from .models import ROLES
from .passwords import WeakPassword
from .throttle import LOCAL_TZ


def register(sub: Any) -> None:
    p = sub.add_parser("user", help="管理账户：接访人员、领导、管理员、审计员")
    usub = p.add_subparsers(dest="user_command", required=True)
    add = usub.add_parser("add", help="add an account")
    add.add_argument("name", help="login name (an officer's is the officer_id boxes send)")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--org", required=True, help="organisation (site code); '*' = all")
    add.add_argument("--display-name", help="name shown in the console, e.g. 张检察官")
    add.add_argument("--leader", help="the officer's leader (login name), for alert escalation")
    add.add_argument("--device", help="the officer's desk box, for alerts over MQTT")
    add.add_argument("--on-duty", action="store_true", help="leader on duty (high-risk alerts)")
    add.set_defaults(func=_add)
    ls = usub.add_parser("list", help="list accounts: name, role, org, active, locked until")
    ls.set_defaults(func=_list)
    for name, helptext, func in (
        ("disable", "disable an account; its sessions end at once", _disable),
        ("enable", "enable a disabled account", _enable),
        ("reset-password", "set a new password (stdin); ends sessions, lifts the lock", _reset),
    ):
        cmd = usub.add_parser(name, help=helptext)
        cmd.add_argument("name", help="login name")
        cmd.set_defaults(func=func)
    unlock = usub.add_parser("unlock", help="lift a login lock (too many failed logins)")
    unlock.add_argument("name", nargs="?", help="login name")
    unlock.add_argument("--ip", help="a client address locked for failures over all names")
    unlock.set_defaults(func=_unlock)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def _sessions() -> Any:

    # writes begin at once: a change read first must not fail when the server writes
    settings = _settings()
    engine = make_engine(settings, write_immediate=True)
    migrate(engine, settings=settings)  # an account may be the first thing made on a new server
    return make_session_factory(engine)


def _add(args: argparse.Namespace) -> int:

    try:
        password = _read_password()
        with _sessions().begin() as s:
            service.add_account(
                s,
                username=args.name,
                password=password,
                role=args.role,
                org=args.org,
                display_name=args.display_name,
                leader=args.leader,
                device=args.device,
                on_duty=args.on_duty,
                actor="cli",
            )
    except (service.AccountError, WeakPassword, ValueError) as e:
        print(f"未能添加账户：{e}", file=sys.stderr)
        return 1
    print(f"已添加账户 {args.name}（{args.role}，{args.org}）")
    return 0


def _when(t: datetime | None) -> str:

    return "-" if t is None else f"{t.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}"


def _list(_args: argparse.Namespace) -> int:

    print("用户名\t角色\t单位\t状态\t锁定至（北京时间）\t姓名")
    with _sessions()() as s:
        for a, locked in service.list_accounts(s):
            state = "启用" if a.active else "停用"
            role = ROLE_ZH.get(a.role, a.role)
            print(f"{a.username}\t{role}\t{a.org}\t{state}\t{_when(locked)}\t{a.display_name}")
    return 0


def _change(what: str, change: Callable[[Any], str], sessions: Any = None) -> int:
    """Run ``change`` in one transaction; unknown accounts exit 2, bad input 1."""

    try:
        with (sessions or _sessions()).begin() as s:
            done = change(s)
    except service.UnknownAccount as e:
        print(f"未能{what}：{e}", file=sys.stderr)
        return 2
    except (service.AccountError, WeakPassword, ValueError) as e:
        print(f"未能{what}：{e}", file=sys.stderr)
        return 1
    print(done)
    return 0


def _disable(args: argparse.Namespace) -> int:

    def change(s: Any) -> str:
        ended = service.set_active(s, username=args.name, active=False, actor="cli")
        return f"已停用账户 {args.name}（结束会话 {ended} 个）"

    return _change("停用账户", change)


def _enable(args: argparse.Namespace) -> int:

    def change(s: Any) -> str:
        service.set_active(s, username=args.name, active=True, actor="cli")
        return f"已启用账户 {args.name}"

    return _change("启用账户", change)


def _reset(args: argparse.Namespace) -> int:

    sessions = _sessions()
    with sessions() as s:  # known before the password is asked; no lock held meanwhile
        if service.by_username(s, args.name) is None:
            print(f"未能重设密码：没有此账户：{args.name}", file=sys.stderr)
            return 2
    try:
        password = _read_password()
    except ValueError as e:
        print(f"未能重设密码：{e}", file=sys.stderr)
        return 1

    def change(s: Any) -> str:
        ended = service.reset_password(s, username=args.name, password=password, actor="cli")
        return f"已重设账户 {args.name} 的密码（结束会话 {ended} 个，已解除登录锁定）"

    return _change("重设密码", change, sessions)


def _was(locked_until: datetime | None) -> str:
    if locked_until is None:
        return "（原未锁定；已清除失败计数）"
    return f"（原锁定至 {_when(locked_until)}）"


def _unlock(args: argparse.Namespace) -> int:

    if not args.name and not args.ip:
        print("未能解除锁定：须指定用户名或 --ip 地址", file=sys.stderr)
        return 2

    def change(s: Any) -> str:
        lines = []
        if args.name:
            was = service.unlock(s, username=args.name, actor="cli")
            lines.append(f"已解除账户 {args.name} 的登录锁定{_was(was)}")
        if args.ip:
            was = service.unlock_address(s, ip=args.ip, actor="cli")
            lines.append(f"已解除地址 {args.ip} 的登录锁定{_was(was)}")
        return "\n".join(lines)

    return _change("解除锁定", change)
