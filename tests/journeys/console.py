"""The console as its users meet it: each person in a browser context of their own,
logged in through the form, at 1280×800; and a logged-in HTTP client that polls what
a page shows, for timing how soon something reaches the console."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from tests.appliance.ui.screens import Screens
from tests.auth import PASSWORD
from tests.browser import browser_login

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CONSOLE = (1280, 800)


@contextmanager
def console_as(
    browser: Browser, base: str, username: str, shots: Path, tag: str
) -> Iterator[tuple[Page, Screens]]:
    w, h = CONSOLE
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    try:
        browser_login(page, base, username)
        yield page, Screens(page, shots, f"console-{tag}-{username}")
    finally:
        ctx.close()


@contextmanager
def poller(base: str, username: str) -> Iterator[httpx.Client]:
    """An HTTP client logged in through the console's form (cookie kept)."""
    with httpx.Client(base_url=base, timeout=5) as c:
        form = c.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        r = c.post(
            "/console/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert r.status_code in (200, 303), r.text
        yield c


def seconds_until(what: str, check: Callable[[], Any], timeout: float = 60.0) -> float:
    """Seconds from now until ``check()`` is true (polled every 50 ms)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if check():
            return time.monotonic() - t0
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
