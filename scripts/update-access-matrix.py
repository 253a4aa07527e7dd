#!/usr/bin/env python3
"""Rewrite the access matrix in docs/security.md from the routes' own declarations
(`zhifang central access-matrix`); tests/central/access/test_matrix_doc.py checks it is fresh."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
BEGIN, END = "<!-- access-matrix:begin -->\n", "\n<!-- access-matrix:end -->"

matrix = subprocess.run(
    [sys.executable, "-m", "zhifang", "central", "access-matrix"],
    cwd=ROOT,
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()
text = DOC.read_text("utf-8")
head, rest = text.split(BEGIN, 1)
_, tail = rest.split(END, 1)
DOC.write_text(head + BEGIN + matrix + END + tail, "utf-8")
print(f"docs/security.md: {matrix.splitlines()[0]}")
