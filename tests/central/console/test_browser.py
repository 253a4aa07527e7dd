"""The console in a real browser (Debian chromium + Playwright): an officer logs in,
finds the repeat visitor the desk box just registered, links the visit to their open
matter; a leader logs in and sees the overdue alert (also pushed over SSE). A leader
works a matter beside its laws, similar matters, organs' warnings and hearings, and
drafts the coordinated plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.alerts import service as alerts
from central.db import utcnow
from central.ingest.ingestor import Ingestor
from central.ingest.projection import IdKeys
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.models import MatterVisitRow
from central.workflow.states import Action, Command
from tests.browser import ARGS, CHROMIUM, central_app, need_chromium, serve
from tests.central.accounts.helpers import PASSWORD, add_user
from tests.central.dossier.helpers import add_person
from tests.central.helpers import Box

ID_NUMBER = "35012119800101123X"
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings, sessionmaker[Session]]]:
    need_chromium()
    with central_app(tmp_path) as (app, settings, sessions), serve(app) as base:
        yield base, settings, sessions


def test_officer_links_a_repeat_visit_and_leader_sees_the_overdue_alert(server) -> None:
    from playwright.sync_api import sync_playwright

    base, settings, sessions = server
    box = Box(name="desk-1", site="minhou")
    from central.devices import service as devices
    from central.devices.schemas import DeviceCreate

    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name=box.name, site=box.site, public_key=box.public_key)
        )
    add_user(sessions, "lin", "leader", display_name="林副检察长", on_duty=True)
    add_user(sessions, "zhang", "officer", display_name="张检察官", leader="lin", device="desk-1")
    pid = add_person(sessions, settings, "张三", id_number=ID_NUMBER, phone="13800000000")
    with sessions() as s:  # the first visit, 20 days ago: a matter that is now overdue
        m = wf.open_matter(
            s,
            command=Command(
                action=Action.register,
                actor="zhang",
                at=utcnow() - timedelta(days=20),
                reason="登记",
            ),
            officer_id="zhang",
            summary="要求答复土地征收补偿",
            person_ids=[pid],
        )
    # today the petitioner is back: the desk box registers the visit (ID number → same dossier)
    ing = Ingestor(sessions, id_keys=IdKeys(settings.id_hash_key_bytes, settings.id_enc_key_bytes))
    ing.process(box.reception(id_number=ID_NUMBER))
    with sessions() as s:
        alerts.scan(s)  # what the background scanner does every minute

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.goto(f"{base}/console/search")
        page.fill("#username", "zhang")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.fill("input[name=q]", ID_NUMBER)
        page.click("form.card button[type=submit]")
        page.click(f"a[href='/console/persons/{pid}'] >> nth=0")
        page.wait_for_selector("text=本次来访未关联事项")
        page.select_option("select[name=matter_id]", m.id)
        page.click("text=关联到此事项")
        page.wait_for_selector("text=已将本次来访关联到事项")
        page.screenshot(path=str(SHOTS / "officer-dossier.png"), full_page=False)
        page.goto(f"{base}/console/matters/{m.id}")
        page.wait_for_selector("text=程序性回复")
        assert page.locator("form input[name=action]").count() >= 2  # next steps as buttons
        page.screenshot(path=str(SHOTS / "officer-matter.png"), full_page=False)
        page.click("text=退出")

        page.fill("#username", "lin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#toast .flash")  # pushed over server-sent events
        page.goto(f"{base}/console/alerts")
        page.wait_for_selector("text=已超期")
        page.screenshot(path=str(SHOTS / "leader-alerts.png"), full_page=False)
        page.goto(f"{base}/console/kpi?since=2026-01-01")
        page.wait_for_selector("text=满意率")
        page.screenshot(path=str(SHOTS / "leader-kpi.png"), full_page=False)
        browser.close()
    with sessions() as s:
        from sqlalchemy import select

        linked = s.scalars(select(MatterVisitRow).where(MatterVisitRow.matter_id == m.id)).all()
        assert len(linked) == 1 and linked[0].linked_by == "zhang"


def test_leader_works_a_matter_beside_its_laws_precedents_organs_and_plan(server) -> None:
    from playwright.sync_api import sync_playwright

    from tests.central.console.seed import seed_working_view

    base, _settings, sessions = server
    seeded = seed_working_view(sessions)
    add_user(sessions, "lin", "leader", display_name="林副检察长")
    add_user(sessions, "zhang", "officer")  # the matter's officer: same site as lin
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.goto(f"{base}/console/matters/{seeded.matter_id}")
        page.fill("#username", "lin")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#legal ol.legal-hits li")
        assert "第十一条" in page.inner_text("#legal")
        assert page.locator("#similar .similar").count() == 3
        assert "镇政府已按标准补发补偿款" in page.inner_text("#similar")
        organs = page.inner_text("#organs")
        assert "某县公安局" in organs and "预警（高）" in organs
        # the hearings fragment is fetched into its section by the page's script
        page.wait_for_selector("#hearings[data-state=loaded] .hearings")
        page.screenshot(path=str(SHOTS / "leader-matter-side.png"), full_page=True)

        page.click("text=起草协同接访方案")
        page.wait_for_selector("text=已起草协同接访方案")
        assert "依据规则：高风险事项" in page.inner_text("#plans")
        page.fill("#plans input[name=title]", "某村征地补偿协同方案")
        page.click("#plans >> text=保存方案")
        page.wait_for_selector("text=方案已保存（第 2 版）")
        page.screenshot(path=str(SHOTS / "leader-matter-plan.png"), full_page=False)
        browser.close()
