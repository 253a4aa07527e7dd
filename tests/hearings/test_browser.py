"""A hearing in a real browser (Debian chromium + Playwright): a leader adds two
people to the registry, schedules an online hearing for a matter, commits a draw with
a seed central makes, reveals it, sees the officers, their chances and the command that
verifies the draw, records the outcome with the petitioner's acceptance — and the
matter's hearing fragment shows it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.accounts.helpers import PASSWORD, add_user
from tests.browser import ARGS, CHROMIUM, central_app, need_chromium, serve
from tests.hearings.test_service import new_matter

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    need_chromium()
    with central_app(tmp_path) as (app, _settings, sessions), serve(app) as base:
        yield base, sessions


def test_leader_schedules_draws_and_records_a_hearing(server) -> None:
    from playwright.sync_api import sync_playwright

    base, sessions = server
    add_user(sessions, "lin", "leader", display_name="林副检察长")
    mid = new_matter(sessions, "m-browser")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.goto(f"{base}/console/hearings/registry")
        page.fill("#username", "lin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")

        # the registry: two people
        for name, category, region in (
            ("王律师", "lawyer", "鼓楼"),
            ("李代表", "npc_deputy", "台江"),
        ):
            form = page.locator("form.add-person")
            form.locator("input[name=name]").fill(name)
            form.locator("select[name=category]").select_option(category)
            form.locator("input[name=region]").fill(region)
            form.locator("input[name=contact]").fill(f"{region}@example.org")
            form.locator("button[type=submit]").click()
            page.wait_for_selector(f"text=已加入名册：{name}")
        assert page.locator("table.registry tbody tr").count() == 2
        page.screenshot(path=str(SHOTS / "hearings-registry.png"), full_page=False)

        # the matter's hearings: schedule one online
        page.click("nav >> text=听证")
        page.wait_for_selector("h1:has-text('公开听证')")
        page.goto(f"{base}/console/hearings/matters/{mid}")
        form = page.locator("form.schedule")
        form.locator("input[name=title]").fill("张某申请监督案")
        form.locator("select[name=mode]").select_option("online")
        form.locator("input[name=starts_at]").fill("2030-03-01T09:30")
        form.locator("input[name=meeting_url]").fill("https://meeting.dingtalk.com/j/123")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已安排听证：张某申请监督案")
        assert page.locator("a.ics").count() == 1

        # commit a draw of 2 with at least one lawyer; central makes the seed
        form = page.locator("form.commit")
        form.locator("input[name=panel_size]").fill("2")
        form.get_by_label("律师 下限").fill("1")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已承诺抽取")
        commitment = page.locator("code.commitment").first.inner_text()
        assert len(commitment) == 64
        assert page.locator("text=种子由本系统生成并保管").count() == 1
        page.screenshot(path=str(SHOTS / "hearings-committed.png"), full_page=True)

        # reveal: the officers with their chances, the reserves, and how to verify
        page.click("form.reveal button[type=submit]")
        page.wait_for_selector("text=已公布抽取结果：抽中 2 名听证员")
        officers = page.locator("table.officers tbody")
        assert "王律师" in officers.inner_text() and "李代表" in officers.inner_text()
        assert "100.0%" in officers.inner_text()
        verify = page.locator("pre.verify").inner_text()
        assert "zhifang hearings verify-draw draw-" in verify and "/record" in verify
        assert page.locator("a.record").count() == 1
        assert commitment in page.content()
        page.screenshot(path=str(SHOTS / "hearings-revealed.png"), full_page=True)

        # the outcome, with the petitioner's acceptance
        form = page.locator("form.outcome-form")
        form.locator("textarea[name=record]").fill("听证员逐一发表意见，信访人陈述理由。")
        form.locator("textarea[name=outcome]").fill("维持原处理意见")
        form.locator("input[name=accepts][value=yes]").check()
        form.locator("input[name=other_name]").first.fill("张某")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("text=已记录听证结果")

        # what the matter page loads
        page.goto(f"{base}/console/hearings/panel?matter_id={mid}")
        body = page.locator("section.hearings").inner_text()
        assert "结论：维持原处理意见" in body and "信访人接受听证结论" in body
        assert "信访人 张某" in body and "听证员 王律师" in body
        page.screenshot(path=str(SHOTS / "hearings-fragment.png"), full_page=True)

        # … and, where the matter page fetches it (central/console), shows it there
        page.goto(f"{base}/console/matters/{mid}")
        if page.locator("section[data-src^='/console/hearings/panel']").count():
            page.wait_for_selector("section[data-src][data-state=loaded] >> text=维持原处理意见")
            page.locator("section.hearings").screenshot(path=str(SHOTS / "hearings-matter.png"))
        browser.close()
