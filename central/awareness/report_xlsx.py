"""The monthly report as an Excel workbook (openpyxl) with native Excel charts:
a KPI sheet, then one sheet per chart holding its data table and the chart drawn from it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill

from central.labels import KPI_ZH

from .charts import ChartPublic

if TYPE_CHECKING:  # an annotation only: reports.py calls this writer
    from .reports import ReportData

HEAD = PatternFill("solid", fgColor="DDE7F3")


def _kpi_value(data: ReportData, key: str) -> object:
    v = data.kpis.as_dict()[key]
    if key.endswith("_rate"):
        return "—" if v is None else round(float(v) * 100, 1)
    return "—" if v is None else v


def _chart_sheet(wb: Workbook, c: ChartPublic, index: int) -> None:
    ws = wb.create_sheet(f"{index:02d} {c.title[:24]}")
    ws.append([c.title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(["项目", *(s.name for s in c.series)])
    for cell in ws[2]:
        cell.fill = HEAD
        cell.font = Font(bold=True)
    for i, label in enumerate(c.labels):
        ws.append([label, *(s.data[i] for s in c.series)])
    ws.column_dimensions["A"].width = 28
    n = len(c.labels)
    if n == 0:
        ws.append(["本期无数据"])
        return
    cats = Reference(ws, min_col=1, min_row=3, max_row=2 + n)
    vals = Reference(ws, min_col=2, max_col=1 + len(c.series), min_row=2, max_row=2 + n)
    chart: BarChart | LineChart | PieChart
    if c.kind == "pie":
        chart = PieChart()
    elif c.kind == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "bar" if c.kind == "hbar" else "col"
        if c.kind == "stack":
            chart.grouping = "stacked"
            chart.overlap = 100
    chart.title = c.title
    chart.add_data(vals, titles_from_data=True)
    chart.set_categories(cats)
    chart.height, chart.width = 9, 18
    ws.add_chart(chart, "E2")


def write_xlsx(data: ReportData, path: Path, *, tz_name: str) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概览"
    ws.append([f"智访 · 信访工作月报（{data.month}）"])
    ws["A1"].font = Font(bold=True, size=14)
    local = data.generated_at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")
    ws.append([f"生成时间：{local}（{tz_name}）"])
    ws.append([])
    ws.append(["指标", "数值", "说明"])
    for cell in ws[4]:
        cell.fill = HEAD
        cell.font = Font(bold=True)
    notes = {
        "matters_closed": "本月登记且已书面答复",
        "reply_1d_rate": "%，登记当日或次日作出受理/不予受理/转办（÷登记事项）",
        "on_time_rate": "%，在程序性回复期限内作出（÷登记事项）",
        "satisfaction_rate": "%，（满意+基本满意）/已评价",
        "avg_days_to_completion": "天，登记至首次书面答复",
    }
    for key, zh in KPI_ZH.items():
        ws.append([zh, _kpi_value(data, key), notes.get(key, "")])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 44
    for row in ws.iter_rows(min_row=5, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(horizontal="right")
    for i, c in enumerate(data.charts, start=1):
        _chart_sheet(wb, c, i)
    wb.save(path)
