"""``zhifang awareness report|warn`` as the lead wires them (``register(sub)``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from central.awareness.cli import register
from tests.central.awareness.seed import Seeded


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhifang")
    register(p.add_subparsers(dest="command", required=True))
    return p


def test_report_and_warn_from_the_command_line(
    db_url: str, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_DATABASE_URL", db_url)
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    out = tmp_path / "out"
    args = _parser().parse_args(["awareness", "report", "--month", "2026-11", "--out", str(out)])
    assert args.func(args) == 0
    files = sorted(p.suffix for p in (out / "2026-11").iterdir())
    assert files == [".pdf", ".xlsx"]
    bad = _parser().parse_args(["awareness", "report", "--month", "2026/11", "--out", str(out)])
    assert bad.func(bad) == 2 and "YYYY-MM" in capsys.readouterr().err
    warn = _parser().parse_args(["awareness", "warn"])
    assert warn.func(warn) == 0
    assert "group_matter" in capsys.readouterr().out


def test_facts_check_and_rebuild(
    db_url: str, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sessions, capsys
):
    from sqlalchemy import delete

    from central.awareness.models import ReceptionFact

    monkeypatch.setenv("ZHIFANG_ENVIRONMENT", "development")
    monkeypatch.setenv("ZHIFANG_DATABASE_URL", db_url)
    monkeypatch.setenv("ZHIFANG_DATA_DIR", str(tmp_path))
    check = _parser().parse_args(["awareness", "facts"])
    assert check.func(check) == 0 and "一致" in capsys.readouterr().out
    with sessions() as s:  # a write that bypassed the triggers (e.g. a partial restore)
        s.execute(delete(ReceptionFact))
        s.commit()
    assert check.func(check) == 1 and "--rebuild" in capsys.readouterr().err
    fix = _parser().parse_args(["awareness", "facts", "--rebuild"])
    assert fix.func(fix) == 0 and "已重建" in capsys.readouterr().out
    assert check.func(check) == 0
