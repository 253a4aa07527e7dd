"""Monthly report: PDF and Excel with the KPIs and charts; on demand, by schedule, CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from central.awareness import reports
from tests.central.awareness.seed import CFG, NOW, Seeded


def test_report_files_hold_the_kpis_and_native_charts(
    sessions: sessionmaker[Session], seeded: Seeded, tmp_path: Path
):
    with sessions() as s:
        row = reports.generate_and_record(
            s, month="2026-11", out_dir=tmp_path, config=CFG, now=NOW, trigger="manual", actor="t"
        )
        s.commit()
    pdf, xlsx = Path(row.pdf_path), Path(row.xlsx_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.parent == tmp_path / "2026-11"
    wb = load_workbook(xlsx)
    overview = wb["概览"]
    values = {r[0].value: r[1].value for r in overview.iter_rows(min_row=5)}
    assert values["接访人次"] == 8 and values["登记事项"] == 3 and values["满意率"] == 60.0
    chart_sheets = [ws for ws in wb.worksheets[1:]]
    assert len(chart_sheets) == len(reports.REPORT_CHARTS)
    assert all(len(ws._charts) == 1 for ws in chart_sheets)  # a native Excel chart each
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "信访工作月报" in text and "接访人次" in text and "甲镇" in text


def test_pdf_page_renders(sessions: sessionmaker[Session], seeded: Seeded, tmp_path: Path):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is missing (apt install poppler-utils)")
    with sessions() as s:
        data = reports.collect(s, month="2026-11", config=CFG, now=NOW)
    pdf, _ = reports.write_files(data, tmp_path, tz_name=CFG.rules.timezone)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    png = next(tmp_path.glob("p*.png"))
    assert png.stat().st_size > 10_000


def test_schedule_makes_last_months_report_once(
    sessions: sessionmaker[Session], seeded: Seeded, tmp_path: Path
):
    from datetime import timedelta

    later = NOW + timedelta(days=3)  # 3 December: last month is November
    first = reports.scheduled_report(sessions, out_dir=tmp_path, config=CFG, now=later)
    assert first is not None and first.month == "2026-11" and first.trigger == "schedule"
    assert reports.scheduled_report(sessions, out_dir=tmp_path, config=CFG, now=later) is None


def test_report_api_and_download(client: TestClient):
    r = client.post("/api/awareness/reports", json={"month": "2026-11"})
    assert r.status_code == 201, r.text
    rep = r.json()
    pdf = client.get(rep["pdf"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    xlsx = client.get(rep["xlsx"])
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.post("/api/awareness/reports", json={"month": "2026-13"}).status_code == 422
    assert client.get("/api/awareness/reports/999/pdf").status_code == 404
    assert [x["month"] for x in client.get("/api/awareness/reports").json()] == ["2026-11"]


def test_month_is_checked():
    with pytest.raises(ValueError, match="YYYY-MM"):
        reports.month_filters("11/2026")
    assert reports.previous_month(__import__("datetime").date(2027, 1, 5)) == "2026-12"
