"""The touchscreen in a real browser (Debian chromium + Playwright), on fake hardware.

From sign-in to the rating at both screen sizes; a MockFactory button press on the
rating panel ends the reception. Then central and the broker go away in the middle
of a reception and the flow still completes, says so on screen, and delivers later.
Screenshots land in ``$ZHIFANG_UI_SHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from appliance.ui.app import create_app
from appliance.ui.desk import OFFLINE_BANNER
from tests.browser import serve

from .helpers import LISI_ID, OFFICER, PIN, RECEPTION_EVENTS, Rig, make_rig

SIZES = [(1280, 800), (800, 480)]

pytestmark = pytest.mark.browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


class Officer:
    """What the officer does on the touchscreen, with a screenshot where it matters."""

    def __init__(self, page: Page, url: str, shots: Path, size: str) -> None:
        self.page, self.url, self.shots, self.size = page, url, shots, size

    def shot(self, name: str) -> None:
        pg = self.page
        pg.wait_for_load_state()
        pg.screenshot(path=str(self.shots / f"{self.size}-{name}.png"), animations="disabled")

    def tap(self, selector: str) -> None:
        self.page.click(selector)
        self.page.wait_for_load_state()

    def sign_in(self) -> None:
        pg = self.page
        pg.goto(self.url + "/")
        pg.fill("#officer_id", OFFICER)
        pg.fill("#pin", PIN)
        self.shot("signin")
        self.tap("#signin-form button.primary")
        pg.wait_for_url("**/home")

    def start(self) -> None:
        self.tap("[data-testid=start]")
        self.page.wait_for_selector("#identify-form")

    def identify(self, id_number: str) -> None:
        self.page.fill("#id_number", id_number)
        self.tap("#identify-form button[type=submit]")
        self.page.wait_for_selector("[data-testid=person-card]")

    def register(self) -> None:
        pg = self.page
        pg.wait_for_selector("#step-form[data-step=register]")
        pg.fill("textarea[name=request]", "不服民事判决，申请监督")
        pg.select_option("select[name=category]", "申诉")
        pg.select_option("select[name=source]", "来访")
        self.shot("register")
        self.tap("#step-form button[type=submit]")

    def notify_and_accept(self) -> None:
        pg = self.page
        pg.wait_for_selector("#step-form[data-step=notify]")
        for name in ("told_scope", "told_deadline", "told_review"):
            pg.check(f"input[name={name}]")
        self.tap("#step-form button[type=submit]")
        pg.wait_for_selector("#step-form[data-step=accept]")
        pg.fill("textarea[name=reason]", "属本院管辖，予以受理")
        self.tap("#step-form button[type=submit]")

    def arm_rating(self) -> None:
        self.tap("[data-testid=arm-rating]")
        self.page.wait_for_selector("[data-testid=rating-wait]")
        self.shot("rating")


def event_list(rig: Rig) -> list[tuple[str, dict[str, Any]]]:
    return rig.events()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sign_in_to_rating(
    browser: Browser, rig: Rig, size: tuple[int, int], tmp_path: Path
) -> None:
    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        with serve(create_app(rig.desk)) as url:
            o = Officer(page, url, shots, f"{size[0]}x{size[1]}")
            o.sign_in()
            o.start()
            assert page.get_by_test_id("rec-badge").inner_text().startswith("录制中")
            o.identify(LISI_ID)
            page.get_by_test_id("open-dossier").click()
            page.wait_for_selector("[data-testid=dossier]")
            assert "不服民事判决，申请监督（第二次）" in page.inner_text("[data-testid=dossier]")
            o.shot("dossier")
            o.tap("text=← 返回接待")
            assert page.get_by_test_id("reply-due").is_visible()
            o.register()
            o.notify_and_accept()
            o.arm_rating()
            assert rig.panel.lit() == {"satisfied", "basically_satisfied", "dissatisfied"}
            rig.panel.press("satisfied", chatter=2)  # the petitioner presses, contact bounces
            page.wait_for_selector("[data-testid=done]", timeout=10_000)
            assert "满意" in page.get_by_test_id("rating-result").inner_text()
            o.shot("done")
    finally:
        page.close()
    events = event_list(rig)
    assert [t for t, _ in events] == RECEPTION_EVENTS
    assert [b.get("step") for _, b in events[3:6]] == ["register", "notify", "accept"]
    assert {b["officer_id"] for _, b in events if "officer_id" in b} == {OFFICER}
    assert events[6][1]["rating"] == "satisfied"
    assert rig.panel.ignored_presses == 0 and rig.panel.lit() == set()


def test_central_unreachable_mid_reception(browser: Browser, rig: Rig, tmp_path: Path) -> None:
    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    rig.desk.cache.put(
        rig.central.timeline("p-lisi", officer_id="t", reason="t"), id_number=LISI_ID
    )
    page = browser.new_page(viewport={"width": 800, "height": 480})
    try:
        with serve(create_app(rig.desk)) as url:
            o = Officer(page, url, shots, "800x480")
            o.sign_in()
            o.start()
            assert not page.get_by_test_id("offline-banner").is_visible()
            # the network goes: central refuses, the broker connection drops
            rig.central.online = False
            rig.transport.drop()
            o.identify(LISI_ID)
            assert page.get_by_test_id("cache-tag").is_visible()
            banner = page.get_by_test_id("offline-banner")
            assert banner.is_visible() and OFFLINE_BANNER in banner.inner_text()
            o.register()
            o.notify_and_accept()
            o.shot("offline")
            o.arm_rating()
            rig.panel.press("dissatisfied")
            page.wait_for_selector("[data-testid=done]", timeout=10_000)
            assert "恢复连接后自动上传" in page.inner_text("[data-testid=done]")
            assert rig.box.outbox.pending_count() == 6  # all but reception.started
            # the network comes back: the queue drains; the badge follows by itself
            rig.desk.recheck_s = 0.0  # ask central again at the next poll
            rig.central.online = True
            rig.transport.reconnect()
            assert rig.box.wait_drained(10)
            page.wait_for_function(
                "document.getElementById('offline-banner').hidden === true", timeout=10_000
            )
            assert page.get_by_test_id("net-badge").inner_text() == "在线"
    finally:
        page.close()
    types = [t for t, _ in event_list(rig)]
    assert types[0] == "reception.started" and types[-1] == "reception.ended" and len(types) == 8
    assert [m.topic for m in rig.transport.published()].count("zhifang/v1/minhou/desk-1/event") >= 8
