"""`zhifang demo --once`, as a user runs it: exit 0 and the one-line summary."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Broker

pytestmark = pytest.mark.slow


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop(signal.SIGKILL)


def test_demo_once_runs_a_whole_reception_and_its_evidence_verifies(
    broker: Broker, tmp_path: Path
) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "zhifang", "demo", "--once", "--port", "0",
         "--mqtt-port", str(broker.port), "--data-dir", str(tmp_path / "demo"),
         "--evidence-out", str(tmp_path / "bundle")],
        capture_output=True, text=True, timeout=240,
        env={k: v for k, v in os.environ.items() if not k.startswith("ZHIFANG_")},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    summary = [line for line in out.stdout.splitlines() if line.startswith("zhifang demo: ok")]
    assert summary, out.stdout
    line = summary[0]
    assert "receptions=1" in line and "events=7" in line and "quarantined=0" in line
    assert "rating=satisfied" in line and "recording_verified=True" in line
    assert re.search(r"matter=\S+检信〔\d{4}〕\d+号\(clocks_running=[1-9]\)", line), line
    assert "console at http://127.0.0.1:" in out.stdout
    assert (tmp_path / "bundle" / "证据核验报告.txt").exists() or any(
        (tmp_path / "bundle").glob("*.txt")
    )
    again = subprocess.run(
        [sys.executable, "-m", "zhifang", "evidence", "verify", str(tmp_path / "bundle")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout
