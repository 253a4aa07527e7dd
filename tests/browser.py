"""Debian's Chromium for the browser tests, driven by Playwright (never its own
downloaded browser: `playwright install` is not used anywhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# headless as root, and quiet: no calls home that this machine's closed network refuses
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need_chromium() -> None:
    """Skip, saying why, where the browser or the driver is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (make test installs it)")
    pytest.importorskip("playwright.sync_api", reason="python playwright is not installed")
