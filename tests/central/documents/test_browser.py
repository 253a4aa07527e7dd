"""In a real browser at 1280x800 (Debian chromium + Playwright): an officer opens a
matter, issues its 回执 and prints it; the dossier lists it and exports the 专人专档;
a site admin opens the page that words the papers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.db import utcnow
from central.documents.models import IssuedDocumentRow
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.states import Action, Command
from tests.browser import ARGS, CHROMIUM, browser_login, central_app, need_chromium, serve
from tests.central.accounts.helpers import add_user
from tests.central.dossier.helpers import add_person

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"

pytestmark = pytest.mark.browser

UNCOVERED = """(sel) => { const el = document.querySelector(sel);
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit === el || el.contains(hit); }"""


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Settings, sessionmaker[Session]]]:
    need_chromium()
    with central_app(tmp_path) as (app, settings, sessions), serve(app) as base:
        yield base, settings, sessions


def test_an_officer_issues_and_prints_a_receipt_from_the_matter_page(server) -> None:
    from playwright.sync_api import sync_playwright

    base, settings, sessions = server
    add_user(sessions, "zhang", "officer", display_name="张检察官")
    add_user(sessions, "wu", "admin", display_name="吴管理员")
    pid = add_person(sessions, settings, "张三", phone="13800000000")
    with sessions() as s:
        m = wf.open_matter(
            s, command=Command(action=Action.register, actor="zhang", at=utcnow(), reason="登记"),
            officer_id="zhang", summary="要求答复土地征收补偿", person_ids=[pid], site="minhou",
        )  # fmt: skip
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        browser_login(page, base, "zhang")
        page.goto(f"{base}/console/matters/{m.id}")
        issue = page.locator('button[data-kind="receipt"]')
        issue.scroll_into_view_if_needed()
        assert issue.inner_text() == "出具接访回执"
        assert page.evaluate(UNCOVERED, 'button[data-kind="receipt"]')
        issue.click()
        page.wait_for_selector(".flash.info")
        assert "已出具接访回执" in page.inner_text(".flash.info")
        link = page.locator('[data-testid="print-receipt"]')
        link.scroll_into_view_if_needed()
        assert page.evaluate(UNCOVERED, '[data-testid="print-receipt"]')
        page.screenshot(path=str(SHOTS / "officer-matter-receipt.png"))
        with page.expect_popup() as popup:
            link.click()
        url = popup.value.url
        pdf = page.request.get(url)  # what the print tab loads, with the same session
        assert pdf.headers["content-type"] == "application/pdf"
        with sessions() as s:
            doc = s.scalars(select(IssuedDocumentRow)).one()
        assert hashlib.sha256(pdf.body()).hexdigest() == doc.sha256
        page.goto(f"{base}/console/persons/{pid}")
        page.locator('[data-testid="dossier-pdf"]').scroll_into_view_if_needed()
        assert page.evaluate(UNCOVERED, '[data-testid="dossier-pdf"]')
        page.screenshot(path=str(SHOTS / "officer-dossier-papers.png"))
        export = page.request.get(f"{base}/console/persons/{pid}/dossier.pdf")
        assert export.ok and export.body()[:5] == b"%PDF-"

        admin = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        browser_login(admin, base, "wu")
        admin.goto(f"{base}/console/documents/templates?site=minhou")
        admin.fill('#t-header input[name="body"]', "闽侯县人民检察院")
        admin.click("#t-header button[type=submit]")
        admin.wait_for_selector(".flash.info")
        admin.screenshot(path=str(SHOTS / "admin-document-templates.png"))
        browser.close()
