"""docs/security.md holds the access matrix as the code declares it, and
`zhifang central access-matrix` prints it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from central import cli
from central.access.matrix import markdown
from central.app import create_app
from central.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def test_the_security_doc_holds_the_current_matrix(settings: Settings, engine) -> None:
    text = DOC.read_text("utf-8")
    begin, end = "<!-- access-matrix:begin -->\n", "\n<!-- access-matrix:end -->"
    documented = text[text.index(begin) + len(begin) : text.index(end)]
    current = markdown(create_app(settings, engine=engine).state.access_table)
    assert documented == current, (
        "docs/security.md's matrix is stale: paste `zhifang central access-matrix` into it"
    )


def test_the_cli_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["central", "access-matrix"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "| `/api/persons/{person_id}/dossier` |" in out and "routes;" in out
