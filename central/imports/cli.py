"""``zhifang import petitions FILE.xlsx|csv --site S --as ADMIN [--dry-run]``: a site's
earlier petition records, with the site's saved column mapping; prints what each row
did (or would do) and a summary. Exit 0 when every row was imported or known, 1 when
some were refused, 2 when the file or the command is wrong."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from central.accounts.models import Account
from central.database import make_engine, make_session_factory
from central.labels import IMPORT_OUTCOME_ZH
from central.settings import settings_or_exit as _settings
from central.workflow.config import WorkflowConfig

from . import columns, service
from .columns import MappingError
from .reader import FileRefused, read


def register(sub: Any) -> None:
    p = sub.add_parser("import", help="历史导入：导入本院以往的信访记录")
    isub = p.add_subparsers(dest="import_command", required=True)
    pet = isub.add_parser("petitions", help="import petition records from .xlsx or .csv")
    pet.add_argument("file", type=Path, help="the register (.xlsx or .csv, UTF-8 or GB18030)")
    pet.add_argument("--site", required=True, help="the site the records belong to")
    pet.add_argument("--as", dest="actor", required=True,
                     help="the admin account doing the import (for the audit trail)")  # fmt: skip
    pet.add_argument("--dry-run", action="store_true", help="report only; write no records")
    pet.add_argument("--quiet", action="store_true", help="print refused rows and the summary")
    pet.set_defaults(func=_petitions)
    tpl = isub.add_parser("template", help="write the template with the site's column mapping")
    tpl.add_argument("out", type=Path, help="where to write it (.xlsx or .csv)")
    tpl.add_argument("--site", required=True)
    tpl.set_defaults(func=_template)


def _petitions(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    settings = _settings()
    try:
        data = args.file.read_bytes()
        table = read(data)
    except (OSError, FileRefused) as e:
        print(f"无法读取 {args.file}：{e}", file=sys.stderr)
        return 2
    sessions = make_session_factory(make_engine(settings))
    with sessions() as s:
        acc = s.scalar(select(Account).where(Account.username == args.actor))
        if acc is None or not acc.active or acc.role != "admin" or acc.org not in (args.site, "*"):
            print(f"{args.actor} 不是 {args.site} 的在职管理员：不能导入", file=sys.stderr)
            return 2
        try:
            report = service.run(
                s, table, mapping=service.saved_mapping(s, args.site), site=args.site,
                actor=args.actor, keys=(settings.id_hash_key_bytes, settings.id_enc_key_bytes),
                filename=args.file.name, sha256=hashlib.sha256(data).hexdigest(),
                dry_run=args.dry_run, config=WorkflowConfig.from_settings(settings),
            )  # fmt: skip
        except (MappingError, FileRefused) as e:
            print(f"{e}", file=sys.stderr)
            return 2
    for r in report.rows:
        if args.quiet and r.outcome != "reject":
            continue
        print(line(r))
    print(summary(report))
    return 1 if report.count("reject") else 0


def line(r: Any) -> str:

    bits = [f"第 {r.row_no} 行", IMPORT_OUTCOME_ZH[r.outcome], r.what, r.ref_no, r.person]
    text = "  ".join(b for b in bits if b)
    return text + (f"：{'；'.join(r.reasons)}" if r.reasons else "")


def summary(report: Any) -> str:
    verb = "试导入（未写入）" if report.dry_run else "导入完成"
    will = "将" if report.dry_run else ""
    return (
        f"{verb}：共 {len(report.rows)} 行，{will}新建事项 {report.count('create')}"
        f"（新建档案 {report.new_people}，并入已有档案 {report.matched_people}，"
        f"本文件中再次出现的信访人 {report.repeat_people}），"
        f"此前已导入 {report.count('unchanged')}，拒绝 {report.count('reject')}"
    )


def _template(args: argparse.Namespace) -> int:

    sessions = make_session_factory(make_engine(_settings()))
    with sessions() as s:
        mapping = service.saved_mapping(s, args.site)
    xlsx = args.out.suffix == ".xlsx"
    args.out.write_bytes(columns.template_xlsx(mapping) if xlsx else columns.template_csv(mapping))
    print(f"{args.out}")
    return 0
