"""Journeys on the touchscreen in a real browser (Debian chromium), at 800×480 and
1280×800, on fake hardware: a first-time visitor from sign-in to the rating, and a
returning visitor whose visit is linked to her open matter. On every screen each
field and button is checked uncovered (``screens.Screens.check``) and saved as a PNG
under ``$ZHIFANG_UI_SHOTS`` (default: the test's tmp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.ui.app import create_app
from tests.browser import serve

from .helpers import LISI_ID, LISI_MATTER, NEW_ID, OFFICER, PIN, Rig, lisi_timeline, make_rig
from .screens import Screens

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SIZES = [(800, 480), (1280, 800)]
pytestmark = pytest.mark.browser


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    # as [officer] names gives them: this desk's officer and the site's roster
    r.desk.officers._names.update({OFFICER: "王检察官", "officer-3": "陈检察官"})
    r.desk.officers._names["officer-1"] = "林检察官"
    r.central.add(lisi_timeline(matters=[LISI_MATTER]), id_number=LISI_ID)
    yield r
    r.close()


@pytest.fixture(params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def screen(
    request: pytest.FixtureRequest, browser: Browser, rig: Rig, tmp_path: Path
) -> Iterator[tuple[Page, str, Screens]]:
    w, h = request.param
    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": w, "height": h})
    try:
        with serve(create_app(rig.desk)) as url:
            yield page, url, Screens(page, shots, f"{w}x{h}")
    finally:
        page.close()


def tap(page: Page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state()


def sign_in(page: Page, url: str, s: Screens) -> None:
    page.goto(url + "/")
    s.check("signin")
    page.fill("#officer_id", OFFICER)
    page.fill("#pin", PIN)
    tap(page, "#signin-form button.primary")
    page.wait_for_url("**/home")
    assert page.get_by_test_id("officer").inner_text() == "承办人 王检察官"
    s.check("home")


def test_first_time_visitor_from_sign_in_to_the_rating(
    screen: tuple[Page, str, Screens], rig: Rig
) -> None:
    page, url, s = screen
    sign_in(page, url, s)
    tap(page, "[data-testid=start]")
    page.wait_for_selector("#identify-form")
    s.check("identify")
    page.fill("#id_number", NEW_ID[:-1] + "9")  # one wrong character
    page.fill("#name", "王五")
    page.fill("#township", "甘蔗街道")
    page.fill("#address", "洋下村 8 号")
    tap(page, "#identify-form button[type=submit]")
    assert "校验位不符" in page.get_by_test_id("flash").inner_text()
    assert page.input_value("#name") == "王五" and page.input_value("#township") == "甘蔗街道"
    s.check("identify-refused")
    page.fill("#id_number", NEW_ID)
    tap(page, "#identify-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=register]")
    assert "首次来访" in page.get_by_test_id("person-card").inner_text()
    s.check("register")
    page.fill("textarea[name=request]", "举报某村干部侵占征地补偿款")
    page.select_option("select[name=category]", "举报")
    page.select_option("select[name=source]", "来访")
    page.select_option("select[name=risk_level]", "high")
    page.fill("input[name=risk_reason]", "当事人情绪激动，称不解决就去省里")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=notify]")
    s.check("notify")
    for name in ("told_scope", "told_deadline", "told_review"):
        page.check(f"input[name={name}]")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=accept]")
    s.check("accept")
    tap(page, "a.tab:has-text('转办')")
    page.wait_for_selector("#step-form[data-step=transfer]")
    s.check("transfer")
    tap(page, "a.tab:has-text('受理')")
    page.fill("textarea[name=reason]", "属本院管辖，予以受理")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("[data-testid=arm-rating]")
    s.check("finish")
    tap(page, "[data-testid=arm-rating]")
    page.wait_for_selector("[data-testid=rating-wait]")
    s.check("rating")
    rig.panel.press("dissatisfied")
    page.wait_for_selector("[data-testid=done]", timeout=10_000)
    assert "不满意" in page.get_by_test_id("rating-result").inner_text()
    s.check("done")
    steps = [b for t, b in rig.events() if t == "workflow.step"]
    assert [b["step"] for b in steps] == ["register", "notify", "accept"]
    assert len({b["matter_ref"] for b in steps}) == 1 and steps[0]["matter_ref"]
    person = next(b["person"] for t, b in rig.events() if t == "identity.checked" and b["person"])
    assert (person["township"], person["address"]) == ("甘蔗街道", "洋下村 8 号")


def test_returning_visitor_is_linked_to_her_open_matter(
    screen: tuple[Page, str, Screens], rig: Rig
) -> None:
    page, url, s = screen
    sign_in(page, url, s)
    tap(page, "[data-testid=start]")
    page.fill("#id_number", LISI_ID)  # nothing else: her dossier knows the rest
    tap(page, "#identify-form button[type=submit]")
    page.wait_for_selector("[data-testid=open-matters]")
    assert "不服民事判决，申请监督（第二次）" in page.inner_text("[data-testid=open-matters]")
    assert "已受理" in page.inner_text("[data-testid=open-matters]")
    s.check("matter-choice")
    tap(page, "[data-testid=open-dossier]")
    page.wait_for_selector("[data-testid=dossier]")
    s.check("dossier")
    tap(page, "text=← 返回接待")
    tap(page, "[data-testid=link-matter]")
    page.wait_for_selector("#step-form[data-step=register]")
    assert page.locator("select[name=category]").count() == 0  # not asked twice
    assert "并入事项" in page.get_by_test_id("linked-matter").inner_text()
    s.check("register-linked")
    page.fill("textarea[name=request]", "补充：法院已二审，新证据一份")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=notify]")
    for name in ("told_scope", "told_deadline", "told_review"):
        page.check(f"input[name={name}]")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("[data-testid=arm-rating]")  # decided before: no second 受理
    tap(page, "[data-testid=correct-register]")
    page.wait_for_selector("#correct-form")
    s.check("correct")
    page.fill("input[name=correct_reason]", "补充情况写错")
    page.fill("textarea[name=request]", "补充：法院已二审，提交新证据一份")
    tap(page, "#correct-form button[type=submit]")
    page.wait_for_selector("[data-testid=arm-rating]")
    tap(page, "[data-testid=arm-rating]")
    rig.panel.press("satisfied")
    page.wait_for_selector("[data-testid=done]", timeout=10_000)
    steps = [b for t, b in rig.events() if t == "workflow.step"]
    assert [b["step"] for b in steps] == ["register", "notify"]
    assert {b["matter_ref"] for b in steps} == {LISI_MATTER["id"]}
    corrected = [b for t, b in rig.events() if t == "workflow.corrected"]
    assert corrected[0]["fields"]["request"] == "补充：法院已二审，提交新证据一份"


def test_anonymous_consent_cancel_and_the_petitioners_pages(
    screen: tuple[Page, str, Screens], rig: Rig
) -> None:
    page, url, s = screen
    sign_in(page, url, s)
    tap(page, "[data-testid=start]")
    page.wait_for_selector("#identify-form")
    page.goto(url + "/reception/consent")
    assert not page.is_checked("input[name=face]") and not page.is_checked("input[name=voice]")
    s.check("consent")
    tap(page, "[data-testid=no-bio] a")
    tap(page, "[data-testid=anonymous]")  # at the top of the screen, no hunting
    page.wait_for_selector("#step-form[data-step=register]")
    tap(page, "[data-testid=cancel-reception]")
    page.wait_for_selector("#cancel-form")
    s.check("cancel")
    page.fill("input[name=reason]", "误开接待")
    tap(page, "[data-testid=confirm-cancel]")
    page.wait_for_selector("[data-testid=cancelled]")
    s.check("cancelled")
    assert [t for t, _ in rig.events()][-1] == "reception.cancelled"
    for slug in ("steps", "deadlines", "rights", "privacy", "rating"):
        page.goto(f"{url}/show/{slug}")
        s.check(f"show-{slug}")
