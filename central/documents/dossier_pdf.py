"""One person's 专人专档 as a PDF, for the case file and 立卷归档: who they are (the ID
number masked, as on screen), their matters, the papers issued to them, and the whole
timeline (receptions, steps, replies, ratings, hearing outcomes), newest first.

Reading the dossier for it is audited as every dossier read is (``full_dossier``,
another site's only with a reason); the export itself is audited too, so the log says
a copy left the screen.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.casefile.full import _officer_names, full_dossier
from central.db import utcnow
from central.labels import RATING_ZH

from .render import FONT, RenderError, _font, missing_glyphs
from .service import DocumentError, for_person

LOCAL = ZoneInfo("Asia/Shanghai")
WIDTH = 170 * mm


def _at(at: datetime | None) -> str:
    return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if at else "—"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("b", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("t", parent=base, fontSize=18, leading=26, alignment=TA_CENTER),
        "h": ParagraphStyle("h", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4),
        "cell": base,
        "muted": ParagraphStyle("m", parent=base, fontSize=9, textColor=colors.grey),
    }


def _table(rows: list[list[str]], widths: list[float], s: ParagraphStyle) -> Table:
    t = Table([[Paragraph(escape(c).replace("\n", "<br/>"), s) for c in r] for r in rows],
              colWidths=widths, repeatRows=1)  # fmt: skip
    t.setStyle(
        TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("FONTNAME", (0, 0), (-1, -1), FONT),  # else Helvetica, listed unembedded
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ])
    )  # fmt: skip
    return t


def compose(
    d: Any, papers: list[Any], *, who: Any, exporter: str, now: datetime
) -> list[list[list[str]]]:
    """Every table's rows (header first), in page order: person, matters, papers,
    receptions, timeline."""
    p = d.person
    person = [
        ["项目", "内容"],
        ["姓名", p.name],
        ["身份证号", p.id_number_masked or "—"],
        ["电话", p.phone or "—"],
        ["乡镇（街道）", p.township or "—"],
        ["住址", p.address or "—"],
        ["建档时间", _at(p.created_at)],
        ["导出", f"{exporter}，{_at(now)}"],
    ]
    matters = [["文号", "诉求", "状态", "登记时间", "承办人"]] + [
        [m.ref_no or "未编号", m.summary, m.status, _at(m.registered_at), who(m.officer_id)]
        for m in d.matters
    ]
    docs = [["出具时间", "文书", "出具人", "SHA-256", "证据日志"]] + [
        [_at(x.issued_at), x.title, who(x.issued_by), x.sha256[:16] + "…", f"第 {x.leaf_index} 项"]
        for x in papers
    ]

    receptions = [["时间", "接访人员", "评价"]] + [
        [
            _at(r.started_at),
            who(r.officer_id),
            RATING_ZH.get(r.rating, "未评价") if r.rating else "未评价",
        ]
        for r in d.receptions
    ]
    timeline = [["时间", "事件", "说明"]] + [[_at(e.at), e.title, e.detail] for e in d.entries]
    return [person, matters, docs, receptions, timeline]


HEADINGS = ("当事人", "信访事项", "已出具文书", "接访与评价", "时间线（新 → 旧）")
WIDTHS = (
    [35 * mm, 135 * mm],
    [42 * mm, 58 * mm, 20 * mm, 28 * mm, 22 * mm],
    [30 * mm, 30 * mm, 25 * mm, 50 * mm, 35 * mm],
    [50 * mm, 60 * mm, 60 * mm],
    [30 * mm, 60 * mm, 80 * mm],
)


def render(tables: list[list[list[str]]], name: str) -> bytes:
    _font()
    lacking = missing_glyphs("".join(c for t in tables for r in t for c in r))
    if lacking:  # shown, not dropped: a dossier is not edited to fit a font
        tables = [[[_mark(c, lacking) for c in r] for r in t] for t in tables]
    s = _styles()
    story: list[Flowable] = [Paragraph(escape(f"专人专档：{name}"), s["title"]), Spacer(1, 4 * mm)]
    for head, rows, widths in zip(HEADINGS, tables, WIDTHS, strict=True):
        count = "" if head == HEADINGS[0] else f"（{len(rows) - 1}）"
        story.append(Paragraph(escape(head + count), s["h"]))
        if len(rows) > 1:
            story.append(_table(rows, widths, s["cell"]))
        else:
            story.append(Paragraph("无", s["muted"]))
    buf = BytesIO()

    def page(canvas: Any, doc: Any) -> None:
        canvas.setFont(FONT, 8)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, f"{name} 专人专档 第 {doc.page} 页")

    SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=f"专人专档 {name}", author="智访", invariant=1,
        initialFontName=FONT, initialFontSize=10,
    ).build(story, onFirstPage=page, onLaterPages=page)  # fmt: skip
    return buf.getvalue()


def _mark(text: str, lacking: str) -> str:
    """A character the font lacks, written as its code point (U+XXXX) instead of a box."""
    return "".join(f"[U+{ord(ch):04X}]" if ch in lacking else ch for ch in text)


def export(
    session: Session, *, person_id: str, scope: SiteScope, client: str | None,
    enc_key: bytes, evidence: Any = None,
) -> tuple[str, bytes]:  # fmt: skip
    """(the person's name, the PDF). The caller commits the audit rows."""

    d = full_dossier(
        session, person_id=person_id, scope=scope, client=client, enc_key=enc_key,
        evidence=evidence, default_reason="导出专人专档",
    )  # fmt: skip
    who = _officer_names(session)
    now = utcnow()
    papers = for_person(session, person_id)
    try:
        pdf = render(compose(d, papers, who=who, exporter=who(scope.actor), now=now), d.person.name)
    except RenderError as e:
        raise DocumentError(str(e)) from e
    audit.record(
        session,
        actor=scope.actor,
        action="person.dossier.export",
        target=f"person:{person_id}",
        reason=scope.reason or f"导出专人专档 PDF（{len(d.matters)} 件事项，{len(papers)} 份文书）",
        client=client,
    )
    return d.person.name, pdf
