"""What the officer does on the touchscreen, step by step, with every screen checked
(nothing required covered, no raw keys) and saved (``tests.appliance.ui.screens.Screens``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .site import NAMES, OFFICER, PIN, DeskRig

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from firmware_glue.buttons import Rating
    from tests.appliance.ui.screens import Screens

TOLD = ("told_scope", "told_deadline", "told_review")
RISK_REASON = "当事人情绪激动，称不解决就去省里"


def tap(page: Page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state()


def events(rig: DeskRig) -> list[tuple[str, dict[str, Any]]]:
    return [(e.type, json.loads(e.wire)["body"]) for e in rig.box.outbox.all_events()]


def sign_in(page: Page, rig: DeskRig, s: Screens) -> None:
    page.goto(rig.url + "/")
    s.check("signin")
    page.fill("#officer_id", OFFICER)
    page.fill("#pin", PIN)
    tap(page, "#signin-form button.primary")
    page.wait_for_url("**/home")
    assert page.get_by_test_id("officer").inner_text() == f"承办人 {NAMES[OFFICER]}"
    s.check("home")


def identify_new(page: Page, s: Screens, *, id_number: str, name: str) -> None:
    """A first-time visitor: ID number, name, 乡镇 and address."""
    tap(page, "[data-testid=start]")
    page.wait_for_selector("#identify-form")
    s.check("identify")
    page.fill("#id_number", id_number)
    page.fill("#name", name)
    page.fill("#township", "甘蔗街道")
    page.fill("#address", "洋下村 8 号")
    tap(page, "#identify-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=register]")
    s.check("register")


def register(page: Page, s: Screens, *, request: str, high_risk: bool) -> None:
    page.fill("textarea[name=request]", request)
    page.select_option("select[name=category]", "举报")
    page.select_option("select[name=source]", "来访")
    if high_risk:
        page.select_option("select[name=risk_level]", "high")
        page.fill("input[name=risk_reason]", RISK_REASON)
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("#step-form[data-step=notify]")
    s.check("notify")


def notify(page: Page) -> None:
    for name in TOLD:
        page.check(f"input[name={name}]")
    tap(page, "#step-form button[type=submit]")


def accept(page: Page, s: Screens) -> None:
    page.wait_for_selector("#step-form[data-step=accept]")
    s.check("accept")
    page.fill("textarea[name=reason]", "属本院管辖，予以受理")
    tap(page, "#step-form button[type=submit]")
    page.wait_for_selector("[data-testid=arm-rating]")
    s.check("finish")


def rate(page: Page, rig: DeskRig, s: Screens, rating: Rating) -> None:
    """The officer hands over; the petitioner presses a button."""
    tap(page, "[data-testid=arm-rating]")
    page.wait_for_selector("[data-testid=rating-wait]")
    s.check("rating")
    rig.panel.press(rating)
    page.wait_for_selector("[data-testid=done]", timeout=10_000)
    s.check("done")


def matter_ref(rig: DeskRig) -> str:
    refs = {b.get("matter_ref") for t, b in events(rig) if t == "workflow.step"}
    assert len(refs) == 1 and None not in refs, refs
    return str(refs.pop())
