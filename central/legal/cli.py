"""``zhifang legal import FILE --law NAME`` and ``zhifang legal export --out DIR``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from central.database import make_engine, make_session_factory, migrate
from central.legal.parse import LegalImportError
from central.legal.service import export_bundle, import_law
from central.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("legal", help="法律条文：导入、导出")
    s = p.add_subparsers(dest="legal_cmd", required=True)
    imp = s.add_parser("import", help="导入一部法律（纯文本或 Markdown，UTF-8）")
    imp.add_argument("file", type=Path)
    imp.add_argument("--law", required=True, help="法律名称，如 信访工作条例")
    imp.set_defaults(func=cmd_import)
    exp = s.add_parser("export", help="导出全部条文为 JSON，供接访终端缓存")
    exp.add_argument("--out", type=Path, required=True, help="输出目录")
    exp.set_defaults(func=cmd_export)


def _sessions() -> Any:

    settings = Settings()
    engine = make_engine(settings)
    migrate(engine, settings=settings)
    return make_session_factory(engine)


def cmd_import(args: argparse.Namespace) -> int:

    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        print(f"无法读取 {args.file}：{e}", file=sys.stderr)
        return 2
    try:
        with _sessions().begin() as session:
            law = import_law(session, name=args.law, text=text, source=str(args.file))
            print(f"已导入《{law.name}》{law.articles} 条")
    except LegalImportError as e:
        print(f"导入失败（未改动数据库）：{e}", file=sys.stderr)
        return 1
    return 0


def cmd_export(args: argparse.Namespace) -> int:

    with _sessions()() as session:
        bundle = export_bundle(session)
    write_bundle(bundle, args.out)
    print(f"已导出 {len(bundle['laws'])} 部法律到 {args.out}（版本 {bundle['version']}）")
    return 0


def write_bundle(bundle: dict[str, Any], out: Path) -> None:
    """``out/legal.json`` written atomically (the box may be reading the old one)."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "legal.json.tmp"
    tmp.write_text(json.dumps(bundle, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    tmp.replace(out / "legal.json")
