"""The monthly report as PDF (reportlab): KPI table and vector charts, CJK text.

Font: WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``) embedded when present (a
TrueType collection reportlab can embed); else reportlab's built-in ``STSong-Light``
CID font, which needs no file but is not embedded (viewers substitute a Song face).
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from central.labels import KPI_ZH

from .charts import ChartPublic

if TYPE_CHECKING:  # an annotation only: reports.py calls this writer
    from .reports import ReportData

FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
PALETTE = [colors.HexColor(x) for x in ("#2f6fb0", "#e07b39", "#3a9e6f", "#c2413b", "#7d5ba6")]
WIDTH = 170 * mm


@cache
def cjk_font() -> str:
    """Register and return the name of a font that can draw Chinese."""
    from reportlab.pdfbase import pdfmetrics

    for f in FONT_FILES:
        if f.is_file():
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont("ZhCJK", str(f), subfontIndex=0))
            return "ZhCJK"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _drawing(c: ChartPublic, font: str) -> Drawing:
    d = Drawing(WIDTH, 75 * mm)
    d.add(String(0, 70 * mm, c.title, fontName=font, fontSize=11))
    if not c.labels or all(not v for s in c.series for v in s.data):
        d.add(String(0, 60 * mm, "本期无数据", fontName=font, fontSize=9, fillColor=colors.grey))
        return d
    if c.kind == "pie":
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 10 * mm, 5 * mm, 55 * mm, 55 * mm
        pie.data = c.series[0].data
        pie.labels = [f"{lab} {v}" for lab, v in zip(c.labels, c.series[0].data, strict=True)]
        pie.simpleLabels = 1
        pie.slices.fontName = font
        pie.slices.fontSize = 8
        for i in range(len(pie.data)):
            fixed = c.colors[i] if c.colors else None
            pie.slices[i].fillColor = colors.HexColor(fixed) if fixed else PALETTE[i % len(PALETTE)]
        d.add(pie)
        return d
    chart: VerticalBarChart | HorizontalBarChart | HorizontalLineChart
    if c.kind == "line":
        chart = HorizontalLineChart()
    elif c.kind == "hbar":
        chart = HorizontalBarChart()
    else:
        chart = VerticalBarChart()
    chart.x, chart.y = 30 * mm if c.kind == "hbar" else 12 * mm, 12 * mm
    chart.width, chart.height = WIDTH - chart.x - 5 * mm, 46 * mm
    chart.data = [list(s.data) for s in c.series]
    cat = chart.categoryAxis
    step = max(1, math.ceil(len(c.labels) / 8)) if c.kind == "line" else 1
    short = [lab[5:] if len(lab) == 10 and lab[4] == "-" else lab for lab in c.labels]
    cat.categoryNames = [lab if i % step == 0 else "" for i, lab in enumerate(short)]
    cat.labels.fontName = font
    cat.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    top = max((v for s in c.series for v in s.data), default=1)
    chart.valueAxis.valueStep = max(1, math.ceil(top / 5))  # counts: whole-number ticks
    if c.kind != "hbar" and c.kind != "line":
        cat.labels.angle = 30 if len(c.labels) > 6 else 0
        cat.labels.boxAnchor = "ne" if len(c.labels) > 6 else "n"
    if c.kind == "hbar":
        cat.reverseDirection = 1
    for i in range(len(c.series)):
        if c.kind == "line":
            chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
            chart.lines[i].strokeWidth = 1.5
        else:
            chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    if c.kind == "stack" and isinstance(chart, VerticalBarChart):
        chart.categoryAxis.style = "stacked"
    d.add(chart)
    if len(c.series) > 1:
        legend = Legend()
        legend.x, legend.y = WIDTH - 45 * mm, 73 * mm
        legend.fontName = font
        legend.fontSize = 8
        legend.alignment = "right"
        legend.colorNamePairs = [
            (PALETTE[i % len(PALETTE)], s.name) for i, s in enumerate(c.series)
        ]
        d.add(legend)
    return d


def write_pdf(data: ReportData, path: Path, *, tz_name: str) -> None:
    font = cjk_font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    local = data.generated_at.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")
    k = data.kpis.as_dict()

    def fmt(key: str) -> str:
        v = k[key]
        if v is None:
            return "—"
        return f"{float(v) * 100:.1f}%" if key.endswith("_rate") else str(v)

    rows = [["指标", "数值"]] + [[zh, fmt(key)] for key, zh in KPI_ZH.items()]
    table = Table(rows, colWidths=[70 * mm, 40 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f3")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4d4")),
                ("ALIGN", (1, 1), (1, -1), "RIGHT"),
            ]
        )
    )
    story = [
        Paragraph(f"智访 · 信访工作月报（{data.month}）", h1),
        Paragraph(
            f"生成时间：{local}（{tz_name}）。期限类图表为生成时的在办事项状态；"
            "其余按本月数据统计。",
            body,
        ),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
    ]
    for c in data.charts:
        story += [_drawing(c, font), Spacer(1, 4 * mm)]
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"智访信访工作月报 {data.month}",
        author="智访 Zhifang",
    )
    doc.build(story)
