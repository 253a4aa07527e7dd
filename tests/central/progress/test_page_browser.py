"""The public progress page in a real browser, as a petitioner uses it on a desk
computer (1280x800) and on a phone (390x844): a wrong code first, then the right one.
Screenshots land in ``$ZHIFANG_UI_SHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from central.workflow.refs import SiteDirectory, SiteNames
from protocol.progress import NOT_FOUND_ZH
from tests.browser import serve

from .test_lookup import _matter

pytestmark = pytest.mark.browser


def _uncovered(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """sel => { const e = document.querySelector(sel); const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
            const hit = document.elementFromPoint(x, y); return hit === e || e.contains(hit); }""",
            selector,
        )
    )


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_petitioner_checks_progress_on_the_public_page(
    browser: Any, app: FastAPI, sessions: sessionmaker[Session], size: tuple[int, int],
    tmp_path: Path,
) -> None:  # fmt: skip
    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    tag = f"{size[0]}x{size[1]}"
    app.state.workflow_config = dataclasses.replace(  # as ZHIFANG_SITES_FILE would
        app.state.workflow_config,
        sites=SiteDirectory({"minhou": SiteNames("闽侯", "闽侯县人民检察院")}),
    )
    _, ref, code = _matter(sessions)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        with serve(app) as url:
            page.goto(url + "/progress")
            for field in ("#ref_no", "#query_code", "button[type=submit]"):
                assert _uncovered(page, field), field
            page.screenshot(path=str(shots / f"{tag}-public-ask.png"))
            page.fill("#ref_no", ref)
            page.fill("#query_code", "WRONGCOD")
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert page.get_by_test_id("error").inner_text() == NOT_FOUND_ZH
            assert page.input_value("#ref_no") == ref  # kept; the code is typed again
            page.screenshot(path=str(shots / f"{tag}-public-wrong.png"))
            page.fill("#query_code", code.lower())
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert page.url.removeprefix(url) == "/progress"  # the code is not in the URL
            result = page.get_by_test_id("progress-result").inner_text()
            assert "已受理" in result and "闽侯县人民检察院控告申诉检察部门" in result
            assert "（来访）" in result and "尚未书面答复" in result
            assert "拖欠工资" not in page.content()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size[0], "no sideways scrolling"
            page.screenshot(path=str(shots / f"{tag}-public-status.png"), full_page=True)
    finally:
        page.close()
