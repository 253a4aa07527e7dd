"""Debian's Chromium for the browser tests, driven by Playwright (never its own
downloaded browser: `playwright install` is not used anywhere)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port, in a thread; yields its base
    URL and stops it on exit (the browser needs a real HTTP server, not TestClient)."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline or not t.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        t.join(timeout=10)


@contextmanager
def central_app(tmp_path: Path, db_url: str | None = None) -> Iterator[tuple[Any, Any, Any]]:
    """Central as production serves it, on a fresh SQLite file under ``tmp_path`` (or
    ``db_url``): yields (app, settings, sessions) and disposes of the engine on exit."""
    from central.app import create_app
    from central.database import make_engine, make_session_factory, migrate
    from tests.auth import production_settings

    settings = production_settings(
        data_dir=tmp_path, database_url=db_url or f"sqlite:///{tmp_path / 'c.db'}"
    )
    engine = make_engine(settings)
    try:
        migrate(engine)
        app = create_app(settings, engine=engine)
        yield app, settings, make_session_factory(engine)
    finally:
        engine.dispose()


def browser_login(page: Any, base: str, username: str, password: str | None = None) -> None:
    """Log in through the console's form in the browser, as a person does."""
    from tests.auth import PASSWORD

    page.goto(f"{base}/console/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password or PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/console/login" not in url)
