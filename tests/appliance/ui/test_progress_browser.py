"""进度查询 at the desk, in a real browser at the touchscreen's sizes: the petitioner
holds the 回执 to the camera (the shipped fake camera, given a QR image), presses the
button and reads the status; with central unreachable the screen says so plainly.
Screenshots land in ``$ZHIFANG_UI_SHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.progress import CameraQrScanner
from appliance.ui.app import create_app
from firmware_glue.frames import ArrayFrameSource
from protocol.progress import UNAVAILABLE_ZH, NextDeadline, ProgressStatus
from tests.browser import serve
from tests.central.progress.qr import receipt_frame

from .helpers import Rig, make_rig

pytestmark = pytest.mark.browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REF, CODE = "闽侯检信〔2026〕123号", "K7QX2M9P"
STATUS = ProgressStatus(
    ref_no=REF, received_on=date(2026, 12, 1), channel="letter", channel_zh="来信",
    decision="accepted", decision_zh="已受理", decided_on=date(2026, 12, 4),
    handled_by="闽侯县人民检察院控告申诉检察部门",
    next_deadline=NextDeadline(label="办理期限", due_on=date(2027, 2, 2)), replied=False,
)  # fmt: skip


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    r.central.add_progress(CODE, STATUS)
    r.desk.qr = CameraQrScanner(ArrayFrameSource([receipt_frame(REF, CODE)]), interval_s=0)
    yield r
    r.close()


def _uncovered(page: Page, selector: str) -> bool:
    """The element is on screen and nothing lies over its centre."""
    return bool(
        page.evaluate(
            """sel => { const e = document.querySelector(sel); const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (y < 0 || y > innerHeight || x < 0 || x > innerWidth) return false;
            const hit = document.elementFromPoint(x, y); return hit === e || e.contains(hit); }""",
            selector,
        )
    )


@pytest.mark.parametrize("size", [(800, 480), (1280, 800)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_petitioner_shows_the_receipt_and_reads_the_status(
    browser: Browser, rig: Rig, size: tuple[int, int], tmp_path: Path
) -> None:
    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    tag = f"{size[0]}x{size[1]}"
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        with serve(create_app(rig.desk)) as url:
            page.goto(url + "/show")
            page.get_by_test_id("tile-progress").click()
            page.wait_for_load_state()
            assert _uncovered(page, "[data-testid=scan]")
            page.screenshot(path=str(shots / f"{tag}-progress-ask.png"))
            page.get_by_test_id("scan").click()
            page.wait_for_load_state()
            result = page.get_by_test_id("progress-result").inner_text()
            assert "已受理" in result and "2026年12月1日（来信）" in result
            assert "闽侯县人民检察院控告申诉检察部门" in result and "2027年2月2日" in result
            assert page.get_by_test_id("progress-ref").inner_text() == REF
            assert _uncovered(page, "[data-testid=scan]")
            page.screenshot(path=str(shots / f"{tag}-progress-status.png"))
            assert rig.central.progress_asked == [REF]
            # left on screen, the status clears itself for the next person
            assert page.get_by_test_id("progress").get_attribute("data-rotate") == "90"
            # central gone: said plainly, nothing guessed or cached
            rig.central.online = False
            page.get_by_test_id("scan").click()
            page.wait_for_load_state()
            msg = page.get_by_test_id("progress-message").inner_text()
            assert msg == UNAVAILABLE_ZH
            assert page.get_by_test_id("progress-result").count() == 0
            page.screenshot(path=str(shots / f"{tag}-progress-offline.png"))
    finally:
        page.close()
