"""``zhifang central provisioning issue|list|revoke``: a site's provisioning credential.

Run by whoever runs central (the database is theirs); each action is audited with the
operating-system user as the actor.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

from . import credentials


def register(csub: Any, with_session: Callable[[Callable[[Any], Any]], Any]) -> None:
    p = csub.add_parser("provisioning", help="部署凭据：站点用它登记、吊销本站点的设备")
    psub = p.add_subparsers(dest="provisioning_command", required=True)
    issue = psub.add_parser("issue", help="issue a credential for a site (shown once)")
    issue.add_argument("--site", required=True)
    issue.add_argument("--label", default="", help="who holds it, e.g. 闽侯院技术科")
    issue.set_defaults(func=lambda a: _issue(a, with_session))
    ls = psub.add_parser("list", help="list credentials (never their secrets)")
    ls.add_argument("--site")
    ls.set_defaults(func=lambda a: _list(a, with_session))
    rv = psub.add_parser("revoke", help="revoke a credential by its id")
    rv.add_argument("credential_id")
    rv.set_defaults(func=lambda a: _revoke(a, with_session))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _issue(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:

    try:
        cid, token = with_session(
            lambda s: credentials.issue(s, site=args.site, label=args.label, actor=_actor())
        )
    except ValueError as e:
        print(f"输入有误: {e}", file=sys.stderr)
        return 2
    print(f"已为站点 {args.site} 签发部署凭据 {cid}（只显示这一次，请妥善交付）：", file=sys.stderr)
    print(token)
    return 0


def _list(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:

    def show(s: Any) -> None:
        for c in credentials.listed(s, site=args.site):
            state = f"已吊销 {c.revoked_at:%Y-%m-%d}" if c.revoked_at else "有效"
            used = c.last_used_at.isoformat() if c.last_used_at else "-"
            print(f"{c.id}\t{c.site}\t{state}\t{used}\t{c.label}")

    with_session(show)
    return 0


def _revoke(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:

    try:
        with_session(
            lambda s: credentials.revoke(s, credential_id=args.credential_id, actor=_actor())
        )
    except credentials.UnknownCredential as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"已吊销部署凭据 {args.credential_id}")
    return 0
