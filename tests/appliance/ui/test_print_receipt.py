"""The 打印回执 button at the desk: shown once the 登记 of a matter this desk opened is
done (and a printer is configured); pressing it fetches the 回执 from central and
prints it; while central has not received the 登记 yet, the officer is told to try
again, and a printer fault is shown as it is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appliance.ui.app import create_app
from firmware_glue.printer import FilePrinter, Printer, PrinterError

from .helpers import OFFICER, PIN, KioskClient, Rig, make_rig

PDF = b"%PDF-1.4 a receipt\n%%EOF\n"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    r.desk.printer = FilePrinter(tmp_path / "printed")
    yield r
    r.close()


@pytest.fixture
def client(rig: Rig) -> Iterator[TestClient]:
    with KioskClient(create_app(rig.desk)) as c:
        yield c


def register(client: TestClient) -> str:
    client.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    client.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    r = client.post("/reception/identify/skip")
    assert 'data-testid="print-receipt"' not in r.text  # nothing registered yet
    r = client.post(
        "/reception/step/register",
        data={"request": "不服民事判决", "category": "申诉", "source": "来访", "risk_level": ""},
    )
    assert 'data-testid="print-receipt"' in r.text and "打印回执" in r.text
    return r.text


def test_the_officer_prints_the_receipt_after_registering(rig: Rig, client: TestClient) -> None:
    register(client)
    assert rig.desk.matter is not None
    r = client.post("/reception/print-receipt")
    assert "中心尚未收到本次登记" in r.text  # the 登记 event is still on its way
    assert isinstance(rig.desk.printer, FilePrinter) and rig.desk.printer.jobs == []
    rig.central.receipts[rig.desk.matter.ref] = PDF
    r = client.post("/reception/print-receipt")
    assert "回执已送打印机" in r.text
    assert [p.read_bytes() for p in rig.desk.printer.jobs] == [PDF]


def test_a_printer_fault_is_shown(rig: Rig, client: TestClient) -> None:
    class Jammed(Printer):
        def print_pdf(self, data: bytes, *, title: str) -> str:
            raise PrinterError("打印失败：卡纸")

    register(client)
    assert rig.desk.matter is not None
    rig.central.receipts[rig.desk.matter.ref] = PDF
    rig.desk.printer = Jammed()
    assert "打印失败：卡纸" in client.post("/reception/print-receipt").text


def test_no_button_without_a_printer(rig: Rig, client: TestClient) -> None:
    rig.desk.printer = None
    client.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    client.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    client.post("/reception/identify/skip")
    r = client.post(
        "/reception/step/register",
        data={"request": "不服民事判决", "category": "申诉", "source": "来访", "risk_level": ""},
    )
    assert 'data-testid="print-receipt"' not in r.text


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 800), (800, 480)])
def test_the_button_on_the_touchscreen(
    browser: Any, rig: Rig, tmp_path: Path, size: tuple[int, int]
) -> None:
    """In chromium at both screen sizes: the button is there after 登记, not covered,
    and pressing it prints."""
    from tests.browser import serve

    from .test_browser import Officer

    shots = Path(os.environ.get("ZHIFANG_UI_SHOTS") or tmp_path)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        with serve(create_app(rig.desk)) as url:
            o = Officer(page, url, shots, f"{size[0]}x{size[1]}")
            o.sign_in()
            o.start()
            o.tap("[data-testid=anonymous]")  # 当事人不提供身份
            o.register()
            assert rig.desk.matter is not None
            rig.central.receipts[rig.desk.matter.ref] = PDF
            button = page.locator("[data-testid=print-receipt]")
            button.scroll_into_view_if_needed()
            covered = page.evaluate(
                """() => { const el = document.querySelector('[data-testid=print-receipt]');
                const r = el.getBoundingClientRect();
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return !(hit === el || el.contains(hit)); }"""
            )
            assert not covered
            o.shot("print-receipt")
            o.tap("[data-testid=print-receipt]")
            assert "回执已送打印机" in page.content()
            assert isinstance(rig.desk.printer, FilePrinter) and len(rig.desk.printer.jobs) == 1
    finally:
        page.close()
