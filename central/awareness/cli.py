"""``zhifang awareness ...``: monthly report and early-warning run from the command line."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("awareness", help="态势感知：月度报告、预警")
    asub = p.add_subparsers(dest="awareness_command", required=True)
    rep = asub.add_parser("report", help="generate the monthly report (PDF + Excel)")
    rep.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    rep.add_argument("--out", required=True, help="directory for the files")
    rep.set_defaults(func=_report)
    warn = asub.add_parser("warn", help="run the early-warning rules once and print new alerts")
    warn.set_defaults(func=_warn)


def _open() -> tuple[Any, Any]:
    from central.database import make_engine, make_session_factory
    from central.settings import Settings

    engine = make_engine(Settings())
    return engine, make_session_factory(engine)


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from central.db import utcnow
    from central.workflow.config import WorkflowConfig

    from .reports import generate_and_record

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        print(f"错误：月份应为 YYYY-MM：{args.month!r}", file=sys.stderr)
        return 2
    engine, sessions = _open()
    try:
        with sessions() as session:
            row = generate_and_record(
                session,
                month=args.month,
                out_dir=Path(args.out),
                config=WorkflowConfig(),
                now=utcnow(),
                trigger="cli",
                actor="cli",
            )
            session.commit()
            print(row.pdf_path)
            print(row.xlsx_path)
    finally:
        engine.dispose()
    return 0


def _warn(args: argparse.Namespace) -> int:
    from central.db import utcnow
    from central.workflow.config import WorkflowConfig

    from .warnings import run_all

    engine, sessions = _open()
    try:
        with sessions() as session:
            raised = run_all(session, now=utcnow(), config=WorkflowConfig())
            session.commit()
            for a in raised:
                print(f"[{a.kind}] {a.message}  {a.link}")
    finally:
        engine.dispose()
    return 0
