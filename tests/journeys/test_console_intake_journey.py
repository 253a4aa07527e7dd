"""Intake at the console, each channel in the browser as a clerk registers it (issue
15's first test), in production mode on SQLite and PostgreSQL at 1280×800: 来信 with
its scan, 12309 电话, 12309 网上, 来访 without a box and 转来 with the organ's file
number. A letter's 7-day and 3-month clocks start on the day it was received; every
form and matter page is checked (nothing required covered, no raw keys) and saved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from .console import console_as
from .people import id_number
from .site import CLERK, NAMES, World

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.appliance.ui.screens import Screens

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LOCAL = ZoneInfo("Asia/Shanghai")
PHONES = {"phone": "13900002001", "online": "13900002002", "visit": "13900002003",
          "transfer": "13900002004"}  # fmt: skip
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def today() -> date:
    return datetime.now(LOCAL).date()


@pytest.fixture(scope="module")
def clerk(world: World, browser: Browser, shots: Path) -> Iterator[tuple[Page, Screens]]:
    with console_as(browser, world.url, CLERK, shots, f"intake-{world.db}") as ps:
        yield ps


def register(page: Page, s: Screens, world: World, channel: str, fields: dict[str, str],
             scan: Path | None = None) -> str:  # fmt: skip
    """Fill /console/intake for ``channel`` and confirm; the new matter's id."""
    page.goto(f"{world.url}/console/intake")
    page.select_option("#channel", channel)
    for name, value in fields.items():
        page.fill(f"[name={name}]", value)
    page.select_option("select[name=category]", "控告")
    if scan is not None:
        page.set_input_files("input[name=scan]", str(scan))
    s.check(f"form-{channel}")
    page.click("[data-testid=intake-submit]")
    page.wait_for_load_state()
    if page.locator("[data-testid=intake-confirm]").count():  # a look-alike or a repeat
        page.click("[data-testid=intake-confirm]")
        page.wait_for_load_state()
    assert "/console/matters/" in page.url, page.inner_text("main")[:500]
    s.check(f"matter-{channel}")
    return page.url.split("/console/matters/")[1].split("?")[0]


def test_a_letter_gets_its_clocks_from_the_day_it_was_received(
    world: World, clerk: tuple[Page, Screens], tmp_path: Path
) -> None:
    page, s = clerk
    received = today() - timedelta(days=10)
    scan = tmp_path / "来信.pdf"
    scan.write_bytes(SCAN)
    mid = register(page, s, world, "letter", {
        "received_on": received.isoformat(), "name": "郑秀英", "id_number": id_number(),
        "phone": "13900001111", "township": "甘蔗街道",
        "request": "反映某建筑公司拖欠农民工工资，要求检察机关支持起诉",
    }, scan=scan)  # fmt: skip
    shown = page.inner_text("main")
    assert "来信" in shown and "来信.pdf" in shown and NAMES[CLERK] in shown
    m = page.request.get(f"{world.url}/api/matters/{mid}").json()
    clocks = {c["kind"]: c for c in m["clocks"]}
    assert clocks["procedural_reply"]["started_on"] == received.isoformat()
    assert clocks["result_reply"]["started_on"] == received.isoformat()
    assert clocks["procedural_reply"]["state"] == "overdue"  # 7 days from 10 days ago
    assert date.fromisoformat(clocks["result_reply"]["due_on"]) > received + timedelta(days=88)
    rows = page.locator("main table").first.inner_text()
    assert received.isoformat() in rows and "已超期" in rows, rows


@pytest.mark.parametrize(
    ("channel", "extra", "label"),
    [
        ("phone", {"source_ref": "12309-DH-0001", "received_time": "09:30"}, "来电时间"),
        ("online", {"source_ref": "12309-WS-0002", "received_time": "22:15"}, "提交时间"),
        ("visit", {"received_time": "10:00"}, "来访时间"),
        ("transfer", {"source_organ": "福州市信访局", "source_ref": "榕信转〔2026〕88号"},
         "收到转来材料日期"),
    ],
    ids=["phone", "online", "visit", "transfer"],
)  # fmt: skip
def test_every_other_channel(
    world: World, clerk: tuple[Page, Screens], channel: str, extra: dict[str, str], label: str
) -> None:
    page, s = clerk
    received = today() - timedelta(days=2)
    mid = register(page, s, world, channel, {
        "received_on": received.isoformat(), "name": f"{channel}来访人",
        "phone": PHONES[channel],
        "request": f"经{channel}反映：村委会侵占集体土地", **extra,
    })  # fmt: skip
    shown = page.inner_text("main")
    assert label in shown and extra.get("source_ref", "") in shown
    m = page.request.get(f"{world.url}/api/matters/{mid}").json()
    assert m["channel"] == channel
    started = datetime.fromisoformat(m["registered_at"]).astimezone(LOCAL)
    assert started.date() == received
