"""``zhifang central user add NAME --role ... --org ...`` (and ``user list``).

The password is read from the terminal (asked twice) or, when stdin is not a
terminal, from its first line, so scripts can pipe it without it showing in ``ps``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .models import ROLES


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
    ls = usub.add_parser("list", help="list accounts")
    ls.set_defaults(func=_list)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def _sessions() -> Any:
    from central.cli import _settings
    from central.database import make_engine, make_session_factory, migrate

    engine = make_engine(_settings())
    migrate(engine)  # an account may be the first thing made on a new server
    return make_session_factory(engine)


def _add(args: argparse.Namespace) -> int:
    from . import service
    from .passwords import WeakPassword

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


def _list(_args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .models import Account

    with _sessions()() as s:
        for a in s.scalars(select(Account).order_by(Account.username)):
            state = "" if a.active else "（已停用）"
            print(f"{a.username}\t{a.role}\t{a.org}\t{a.display_name}{state}")
    return 0
