"""系统管理 in a real browser (Debian chromium + Playwright) at 1280×800, as an admin of
every site: create an officer, who logs in in a second browser; reset their password
(their login ends); register a desk and revoke it with a reason; create an organ, issue
a token (shown once) and revoke it. Every screen: nothing required is covered, and a
picture is saved to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from central.sharing import service as sharing
from protocol import keys
from tests.appliance.ui.screens import _COVERED
from tests.auth import PASSWORD, add_user
from tests.browser import ARGS, CHROMIUM, browser_login, central_app, need_chromium, serve

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
SIZE = {"width": 1280, "height": 800}
# what must be seen, except inside a closed 吊销… (it is opened, then checked again)
_SHOWN = ":not(details:not([open]) *)"
MUST_SEE = ", ".join(
    f"{s}{_SHOWN}"
    for s in ("main input:not([type=hidden])", "main select", "button[type=submit]", "main h1",
              "main h2")
)  # fmt: skip
NEW_PASSWORD = "another long password"

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    need_chromium()
    with central_app(tmp_path) as (app, _settings, sessions), serve(app) as base:
        yield base, sessions


def _look(page: Any, name: str) -> None:
    page.wait_for_load_state()
    covered = page.evaluate(_COVERED, MUST_SEE)
    assert not covered, f"{name}: {covered}"
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZE["width"], name
    # the top bar's links on one line: an admin sees every one of them
    rows = page.evaluate("new Set([...document.querySelectorAll('header.top nav a')]"
                         ".map(a => Math.round(a.getBoundingClientRect().top))).size")  # fmt: skip
    assert rows == 1, f"{name}: the top bar wraps onto {rows} lines"
    page.screenshot(path=str(SHOTS / f"admin-{name}.png"), full_page=True)


def test_an_admin_manages_accounts_desks_and_organs(server) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, sessions = server
    add_user(sessions, "city", "admin", "*", display_name="陈管理员")
    add_user(sessions, "lin", "leader", "minhou", display_name="林主任")
    public_key = keys.public_key_b64(Ed25519PrivateKey.generate())
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        admin = browser.new_context(viewport=SIZE, locale="zh-CN").new_page()
        browser_login(admin, base, "city")
        admin.click("[data-testid=nav-admin]")
        expect(admin.locator("[data-testid=accounts]")).to_contain_text("林主任")
        _look(admin, "accounts")

        # an officer of 闽侯: a mistyped password comes back with the rest as typed
        form = admin.locator("[data-testid=account-create]")
        form.locator("input[name=username]").fill("zhou")
        form.locator("input[name=display_name]").fill("周检察官")
        form.locator("select[name=role]").select_option("officer")
        form.locator("input[name=org]").fill("minhou")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("input[name=again]").fill(PASSWORD + "x")
        form.locator("[data-testid=account-create-submit]").click()
        expect(admin.locator("[data-testid=admin-error]")).to_have_text("两次输入的密码不一致")
        assert form.locator("input[name=display_name]").input_value() == "周检察官"
        assert form.locator("input[name=password]").input_value() == ""
        _look(admin, "account-refused")
        form.locator("input[name=password]").fill(PASSWORD)
        form.locator("input[name=again]").fill(PASSWORD)
        form.locator("[data-testid=account-create-submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_have_text("已新建账户：周检察官")
        _look(admin, "account")

        # the officer logs in elsewhere
        officer = browser.new_context(viewport=SIZE, locale="zh-CN").new_page()
        browser_login(officer, base, "zhou")
        expect(officer.locator("header .who")).to_contain_text("周检察官（接访人员）")
        expect(officer.locator("[data-testid=nav-admin]")).to_have_count(0)

        # their password is reset: their login ends, the new password works
        pw = admin.locator("[data-testid=account-password]")
        pw.locator("input[name=password]").fill(NEW_PASSWORD)
        pw.locator("input[name=again]").fill(NEW_PASSWORD)
        pw.locator("input[name=note]").fill("本人遗忘密码")
        pw.locator("[data-testid=account-password-submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_contain_text(
            "已重设密码，结束其登录 1 个"
        )
        officer.goto(f"{base}/console/work")
        assert "/console/login" in officer.url
        browser_login(officer, base, "zhou", NEW_PASSWORD)
        expect(officer.locator("header .who")).to_contain_text("周检察官")

        # a desk: registered from its public key, revoked with a reason
        admin.click("[data-testid=admin-tabs] >> text=接访终端")
        reg = admin.locator("[data-testid=device-register]")
        reg.locator("input[name=name]").fill("desk-1")
        reg.locator("input[name=site]").fill("minhou")
        reg.locator("input[name=public_key]").fill(public_key)
        reg.locator("[data-testid=device-register-submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_have_text(
            "已登记接访终端 desk-1（minhou）"
        )
        row = admin.locator("tr[data-device=desk-1]")
        expect(row).to_contain_text("离线")
        _look(admin, "devices")
        row.locator("summary").click()
        row.locator("input[name=reason]").fill("终端送修")
        _look(admin, "device-revoking")
        row.locator("button[type=submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_have_text("已吊销接访终端 desk-1")
        expect(admin.locator("tr[data-device=desk-1]")).to_contain_text("已吊销")

        # an organ and its token: the secret once, then revoked with a reason
        admin.click("[data-testid=admin-tabs] >> text=有关单位与令牌")
        organ = admin.locator("[data-testid=organ-create]")
        organ.locator("input[name=name]").fill("闽侯县公安局")
        organ.locator("input[name=id]").fill("police-minhou")
        organ.locator("select[name=kind]").select_option("police")
        organ.locator("input[value=summary]").check()
        organ.locator("[data-testid=organ-create-submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_have_text(
            "已登记有关单位：闽侯县公安局"
        )
        card = admin.locator("article[data-organ=police-minhou]")
        card.locator("input[name=label]").fill("刑侦大队对接")
        card.locator("[data-testid=token-issue] button").click()
        secret = admin.locator("[data-testid=token-secret]").inner_text()
        assert secret.startswith("zfo_")
        _look(admin, "token-issued")
        with sessions() as s:
            assert sharing.authenticate(s, secret)[0].name == "闽侯县公安局"
        admin.goto(f"{base}/console/admin/organs")
        assert secret not in admin.content()
        token_row = admin.locator("article[data-organ=police-minhou] tr[data-token]")
        token_row.locator("summary").click()
        token_row.locator("input[name=reason]").fill("对方人员调整")
        token_row.locator("button[type=submit]").click()
        expect(admin.locator("[data-testid=admin-msg]")).to_have_text("已吊销令牌")
        expect(token_row).to_contain_text("已吊销")
        _look(admin, "organs")
        with sessions() as s, pytest.raises(sharing.SharingError):
            sharing.authenticate(s, secret)
        browser.close()
