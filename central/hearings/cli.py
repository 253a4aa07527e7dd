"""``zhifang hearings verify-draw FILE`` (and ``new-seed``)."""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from central.hearings.draw import check


def register(sub: Any) -> None:
    p = sub.add_parser("hearings", help="公开听证：随机抽取听证员的核验")
    s = p.add_subparsers(dest="hearings_cmd", required=True)
    v = s.add_parser("verify-draw", help="重放一次抽取，核对公布的结果（一致则返回 0）")
    v.add_argument("file", type=Path, help="GET /api/hearings/draws/{id}/record 的 JSON")
    v.add_argument(
        "--no-resolve",
        action="store_true",
        help="不在本机重新求解抽签方案的最优最低入选概率（需要 scipy；只给出提示，不算不符）",
    )
    v.set_defaults(func=cmd_verify)
    n = s.add_parser("new-seed", help="生成一个种子：先公布其哈希，抽取时再公布种子")
    n.set_defaults(func=cmd_new_seed)


def cmd_verify(args: argparse.Namespace) -> int:

    try:
        published = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"无法读取 {args.file}：{e}", file=sys.stderr)
        return 2
    if not isinstance(published, dict):
        print(f"无法读取 {args.file}：应为 JSON 对象", file=sys.stderr)
        return 2
    v = check(published, resolve=not args.no_resolve)
    for line in v.checked:
        print(f"已核对：{line}")
    for w in v.warnings:
        print(f"提示：{w}")
    if v.problems:
        for p in v.problems:
            print(f"不符：{p}", file=sys.stderr)
        return 1
    sel = published["result"]["selected"]
    print(f"核验通过：承诺 {published['commitment']}，抽中 {len(sel)} 人：{', '.join(sel)}")
    dropped = published.get("abandoned") or []
    if dropped:
        print(f"此前放弃的承诺 {len(dropped)} 次，均已列出并核对（见上）")
    return 0


def cmd_new_seed(args: argparse.Namespace) -> int:
    seed = secrets.token_bytes(32)
    print(f"seed        {seed.hex()}   （保密，抽取时公布）")
    print(f"seed_sha256 {hashlib.sha256(seed).hexdigest()}   （现在公布，作为承诺）")
    return 0
