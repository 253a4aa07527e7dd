"""``zhifang awareness ...``: monthly report, early-warning run and the dashboard's derived
tables, from the command line."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from central.database import make_engine, make_session_factory
from central.db import utcnow
from central.settings import Settings
from central.workflow.config import WorkflowConfig

from . import facts
from .reports import generate_and_record
from .warnings import run_all


def register(sub: Any) -> None:
    p = sub.add_parser("awareness", help="态势感知：月度报告、预警")
    asub = p.add_subparsers(dest="awareness_command", required=True)
    rep = asub.add_parser("report", help="generate the monthly report (PDF + Excel)")
    rep.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
    rep.add_argument("--out", required=True, help="directory for the files")
    rep.set_defaults(func=_report)
    warn = asub.add_parser("warn", help="run the early-warning rules once and print new alerts")
    warn.set_defaults(func=_warn)
    fx = asub.add_parser(
        "facts", help="check the dashboard's derived tables against the data (and rebuild)"
    )
    fx.add_argument("--rebuild", action="store_true", help="derive them again if they drifted")
    fx.set_defaults(func=_facts)


def _open() -> tuple[Any, Any, Any]:

    settings = Settings()
    engine = make_engine(settings)
    return engine, make_session_factory(engine), WorkflowConfig.from_settings(settings)


def _report(args: argparse.Namespace) -> int:
    from pathlib import Path

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        print(f"错误：月份应为 YYYY-MM：{args.month!r}", file=sys.stderr)
        return 2
    engine, sessions, config = _open()
    try:
        with sessions() as session:
            row = generate_and_record(
                session,
                month=args.month,
                out_dir=Path(args.out),
                config=config,
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

    engine, sessions, config = _open()
    try:
        with sessions() as session:
            raised = run_all(session, now=utcnow(), config=config)
            session.commit()
            for a in raised:
                print(f"[{a.kind}] {a.message}  {a.link}")
    finally:
        engine.dispose()
    return 0


def _facts(args: argparse.Namespace) -> int:
    """Exit 0 when clean (or rebuilt clean), 1 when drift remains."""

    engine, sessions, _ = _open()
    try:
        with sessions() as session:
            d = facts.drift(session)
            print(
                f"接访事实表：多 {d.facts_extra} 行、缺 {d.facts_missing} 行；"
                f"事项时间表：多 {d.times_extra} 行、缺 {d.times_missing} 行"
            )
            if d.clean:
                print("一致")
                return 0
            if not args.rebuild:
                print("不一致：运行 zhifang awareness facts --rebuild 重建", file=sys.stderr)
                return 1
            n_facts, n_times = facts.rebuild(session)
            session.commit()
            print(f"已重建：{n_facts} 行接访事实，{n_times} 行事项时间")
            return 0 if facts.drift(session).clean else 1
    finally:
        engine.dispose()
