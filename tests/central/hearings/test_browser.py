"""A hearing in a real browser (Debian chromium + Playwright, 1280×800), as a leader
works it: adds people to the registry, schedules a hearing, commits a draw that waits
for drand quicknet round 657413, cannot reveal it before the round is out, reveals it
with the round's signature once it is, finds the proofs under "如何核验", cannot record
the outcome before the hearing starts, records it after — and the public notice page,
opened by nobody in particular, shows the panel and how it was drawn.

The app's clock for the hearing rules is set around the round's publication time
(2023-09-15 19:00:03, Beijing), so the real signature of that round reveals the draw.
Screenshots go to $TMPDIR/zhifang-hearings-shots/.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.hearings import service
from tests.browser import ARGS, CHROMIUM, browser_login, central_app, need_chromium, serve
from tests.central.accounts.helpers import add_user
from tests.central.hearings.drand import AFTER, BEFORE, ROUND, SIGNATURE, Clock, set_clock
from tests.central.hearings.test_service import new_matter

SHOTS = Path(tempfile.gettempdir()) / "zhifang-hearings-shots"
VIEW = {"width": 1280, "height": 800}
STARTS = datetime(2023, 9, 20, 1, 30, tzinfo=UTC)  # 09:30 in Beijing

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session], Clock]]:
    need_chromium()
    with central_app(tmp_path) as (app, _settings, sessions):
        clock = set_clock(app, BEFORE)  # ten minutes before round 657413 is out
        with serve(app) as base:
            yield base, sessions, clock


def shot(page: Any, name: str, *, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_a_leader_draws_a_panel_that_waits_for_its_beacon(server: Any) -> None:
    from playwright.sync_api import sync_playwright

    base, sessions, clock = server
    add_user(sessions, "lin", "leader", display_name="林副检察长")
    mid = new_matter(sessions, "m-browser")
    with sessions.begin() as s:  # two more on the registry, besides those added below
        service.add_person(s, name="陈律师", category="lawyer", region="台江", contact="139")
        service.add_person(s, name="赵委员", category="cppcc_member", region="鼓楼")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=VIEW, locale="zh-CN")
        browser_login(page, base, "lin")

        # the registry: two people through the form
        page.goto(f"{base}/console/hearings/registry")
        people = (("王律师", "lawyer", "鼓楼"), ("李代表", "npc_deputy", "台江"))
        for name, category, region in people:
            form = page.locator("form.add-person")
            form.locator("input[name=name]").fill(name)
            form.locator("select[name=category]").select_option(category)
            form.locator("input[name=region]").fill(region)
            form.locator("input[name=contact]").fill(f"{region}@example.org")
            form.locator("button[type=submit]").click()
            page.wait_for_selector(f"text=已加入名册：{name}")
        assert page.locator("table.registry tbody tr").count() == 4

        # schedule a hearing in person on 2023-09-20 09:30 (the app's clock: 2023-09-15)
        page.goto(f"{base}/console/hearings/matters/{mid}")
        form = page.locator("form.schedule")
        form.locator("input[name=title]").fill("张某申请监督案")
        form.locator("select[name=mode]").select_option("in_person")
        form.locator("input[name=starts_at]").fill("2023-09-20T09:30")
        form.locator("input[name=location]").fill("本院听证室")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已安排听证：张某申请监督案")

        # commit: 2 officers, at least one lawyer; central's seed plus drand round 657413
        form = page.locator("form.commit")
        form.locator("input[name=panel_size]").fill("2")
        form.get_by_label("律师 下限").fill("1")
        form.locator("input[name=use_beacon]").check()
        form.locator("input[name=beacon_round]").fill(str(ROUND))
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已承诺抽取")
        wait = page.locator("p.wait")
        assert "信标第 657413 轮将于 2023-09-15 19:00:03 发布" in wait.inner_text()
        assert not page.locator("details.how-to-check").first.evaluate("d => d.open")
        assert not page.locator("code.commitment").first.is_visible()  # folded away
        shot(page, "1-committed-waiting", full=True)

        # too early: refused, saying when to come back
        page.locator("form.reveal input[name=beacon_signature]").fill(SIGNATURE)
        page.locator("form.reveal button[type=submit]").click()
        flash = page.locator(".flash.error")
        flash.wait_for()
        assert "请在此之后再公布结果" in flash.inner_text()
        assert "2023-09-15 19:00:03" in flash.inner_text()
        shot(page, "2-reveal-too-early")

        # the round is out: reveal with its signature
        clock.at(AFTER)
        page.goto(f"{base}/console/hearings/matters/{mid}")
        assert page.locator("p.wait").count() == 0
        page.locator("form.reveal input[name=beacon_signature]").fill(SIGNATURE)
        page.locator("form.reveal button[type=submit]").click()
        page.wait_for_selector("text=已公布抽取结果：抽中 2 名听证员")
        officers = page.locator("table.officers tbody").inner_text()
        assert officers.count("律师") >= 1 and "%" in officers
        shot(page, "3-revealed", full=True)
        page.locator("details.how-to-check summary").first.click()
        how = page.locator("details.how-to-check").first
        assert how.locator("code.signature").inner_text() == SIGNATURE
        assert "zhifang hearings verify-draw" in how.locator("pre.verify").inner_text()
        how.scroll_into_view_if_needed()
        shot(page, "4-how-to-check")

        # the outcome waits for the hearing
        assert "之后才能记录听证结果" in page.locator("p.not-started").inner_text()
        assert page.locator("form.outcome-form").count() == 0
        clock.at(STARTS + timedelta(hours=2))
        page.reload()
        form = page.locator("form.outcome-form")
        form.locator("textarea[name=record]").fill("听证员逐一发表意见，信访人陈述理由。")
        form.locator("textarea[name=outcome]").fill("维持原处理意见")
        form.locator("input[name=accepts][value=yes]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已记录听证结果")
        notice_href = page.locator("a.notice").first.get_attribute("href")
        assert notice_href and notice_href.startswith("/hearings/")

        # the public notice: a fresh browser context, nobody logged in
        anon = browser.new_context(viewport=VIEW, locale="zh-CN").new_page()
        anon.goto(f"{base}{notice_href}")
        assert "/console/login" not in anon.url
        panel = anon.locator("table.panel tbody")
        assert panel.locator("tr").count() == 2
        names = panel.inner_text()
        assert "律师" in names and "@example.org" not in anon.content()
        account = anon.locator("ol.account").inner_text()
        assert "第 657413 轮随机数" in account and "2023-09-15 19:00:03" in account
        assert "任何人都可以核对" in account
        shot(anon, "5-public-notice", full=True)
        browser.close()
