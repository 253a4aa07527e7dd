"""历史导入 in a real browser (Debian chromium + Playwright) at 1280x800: a site admin
opens the page, chooses the sample file, reads the dry run's report (the refused rows
with their reasons), and imports; the buttons are not covered at any step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings
from central.workflow.models import MatterRow
from tests.browser import ARGS, CHROMIUM, browser_login, central_app, need_chromium, serve
from tests.central.accounts.helpers import add_user

from .helpers import SAMPLE, count

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings, sessionmaker[Session]]]:
    need_chromium()
    with central_app(tmp_path) as (app, settings, sessions), serve(app) as base:
        yield base, settings, sessions


def uncovered(page: Any, selector: str) -> bool:
    """The element is what a click at its centre reaches (nothing lies over it)."""
    return bool(
        page.eval_on_selector(
            selector,
            """el => { el.scrollIntoView({block: "center"});
                       const r = el.getBoundingClientRect();
                       const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                       return hit === el || el.contains(hit); }""",
        )
    )


def test_an_admin_tries_and_imports_the_sample(server: Any) -> None:
    from playwright.sync_api import sync_playwright

    base, _settings, sessions = server
    add_user(sessions, "wang", "admin", display_name="王管理员")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        browser_login(page, base, "wang")
        page.click("[data-testid=nav-admin]")  # 历史导入 is a tab of 系统管理
        page.click("[data-testid=tab-import]")
        page.wait_for_selector("[data-testid=import-form]")
        for sel in ("[data-testid=import-file]", "[data-testid=import-dry-run]",
                    "[data-testid=mapping-save]"):  # fmt: skip
            assert uncovered(page, sel), sel
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "import-1-page.png"))

        page.set_input_files("[data-testid=import-file]", str(SAMPLE))
        page.click("[data-testid=import-dry-run]")
        page.wait_for_selector("[data-testid=import-report]")
        assert "试导入结果（尚未写入）" in page.inner_text("[data-testid=import-report]")
        rejected = page.inner_text("[data-testid=rejected]")
        assert (
            "校验码" in rejected and "事项类别「投诉」" in rejected and "不是有效日期" in rejected
        )
        assert count(sessions, MatterRow) == 0
        n = int(page.inner_text("[data-testid=n-create]"))
        assert uncovered(page, "[data-testid=import-run]")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "import-2-dry-run.png"))
        page.screenshot(path=str(SHOTS / "import-2-dry-run-full.png"), full_page=True)

        page.click("[data-testid=import-run]")
        page.wait_for_selector("text=导入完成")
        assert int(page.inner_text("[data-testid=n-create]")) == n
        assert count(sessions, MatterRow) == n
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "import-3-done.png"))
        page.click("[data-testid=rows] a >> nth=0")  # the first imported matter
        page.wait_for_url("**/console/matters/*")
        assert "历史导入" in page.inner_text("main")
        page.screenshot(path=str(SHOTS / "import-4-matter.png"))
        browser.close()
