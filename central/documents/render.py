"""Lay out a paper as an A4 PDF (reportlab), the font embedded.

Chinese needs a TrueType font reportlab can embed: WenQuanYi Zen Hei (installed by
scripts/ensure-system-packages.sh; Noto CJK ships as CFF OpenType, which reportlab
cannot embed). Without it nothing is issued: a PDF with a font the printer must guess
is not a paper to hand over. Every character is checked against the font before
layout, so a character the font lacks is refused by name instead of printed as a box.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from .errors import DocumentsError

FONT = "ZhDoc"
FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)


class RenderError(DocumentsError, RuntimeError):
    """The paper cannot be typeset; the message says why, in Chinese."""


@cache
def _font() -> frozenset[int]:
    """Register the embedded font once; the code points it can draw."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for f in FONT_FILES:
        if f.is_file():
            font = TTFont(FONT, str(f), subfontIndex=0)
            pdfmetrics.registerFont(font)
            return frozenset(font.face.charToGlyph)
    raise RenderError("服务器未安装中文字体（文泉驿正黑），不能生成文书")


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` the font cannot draw (layout characters aside)."""
    have = _font()
    return "".join(sorted({ch for ch in text if ord(ch) not in have and ch not in "\n\r\t"}))


@dataclass(frozen=True)
class Paper:
    """What goes on the page, already in words."""

    header: str  # the site's name
    title: str
    ref_no: str
    paragraphs: list[str]
    basis: str
    footer: str  # date and seal line
    qr_text: str | None = None
    qr_caption: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, wordWrap="CJK")
    return {
        "header": ParagraphStyle("header", parent=base, fontSize=14, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontSize=20,
            leading=28,
            alignment=TA_CENTER,
            spaceBefore=4,
            spaceAfter=4,
        ),
        "ref": ParagraphStyle("ref", parent=base, fontSize=11, alignment=TA_CENTER),
        "body": ParagraphStyle("p", parent=base, firstLineIndent=24, spaceAfter=6),
        "salute": ParagraphStyle("salute", parent=base, spaceAfter=6),
        "basis": ParagraphStyle(
            "basis", parent=base, fontSize=10, leading=16, textColor=colors.HexColor("#333333")
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=10, leading=14),
        "right": ParagraphStyle("right", parent=base, alignment=2),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class _Qr(Flowable):
    """A QR code of ``text`` with a caption under it, at the right margin."""

    def __init__(self, text: str, caption: str, size: float = 32 * mm) -> None:
        super().__init__()
        self.text, self.caption, self.size = text, caption, size
        self.width, self.height = 170 * mm, size + 6 * mm

    def draw(self) -> None:
        # modules drawn as squares here: a reportlab Drawing would bring in an
        # unembedded Helvetica as its default face
        w = QrCodeWidget(self.text, barLevel="M")
        w.qr.make()
        n = w.qr.getModuleCount()
        cell = self.size / (n + 8)  # a quiet zone of 4 modules each side
        left = self.width - self.size
        c = self.canv
        c.setFillColor(colors.black)
        # one path for every dark module: filled as a union, so no hairline seams
        # where squares touch once rasterised (a seam made 1 code in 75 unreadable)
        path = c.beginPath()
        for r, row in enumerate(w.qr.modules):
            for col, dark in enumerate(row):
                if dark:
                    x = left + (col + 4) * cell
                    y = 6 * mm + self.size - (r + 5) * cell
                    path.rect(x, y, cell, cell)
        c.drawPath(path, stroke=0, fill=1)
        c.setFont(FONT, 9)
        c.drawCentredString(left + self.size / 2, 1 * mm, self.caption)


def texts(paper: Paper) -> str:
    """Every character the page will carry (for the glyph check)."""
    parts = [paper.header, paper.title, paper.ref_no, paper.basis, paper.footer,
             paper.qr_caption, *paper.paragraphs]  # fmt: skip
    return "".join(parts)


def render(paper: Paper) -> bytes:
    """The PDF's bytes. Raises ``RenderError`` naming characters the font lacks."""
    _font()
    lacking = missing_glyphs(texts(paper))
    if lacking:
        raise RenderError(f"字体中没有这些字：{lacking}（请改用常用字或同音字说明）")
    s = _styles()
    story: list[Flowable] = [
        _p(paper.header, s["header"]),
        _p(paper.title, s["title"]),
        _p(paper.ref_no, s["ref"]),
        Spacer(1, 6 * mm),
    ]
    for i, text in enumerate(paper.paragraphs):
        story.append(_p(text, s["salute"] if i == 0 and text.endswith("：") else s["body"]))
    if paper.qr_text:
        story += [Spacer(1, 4 * mm), _Qr(paper.qr_text, paper.qr_caption)]
    story += [
        Spacer(1, 8 * mm),
        _p(paper.footer, s["right"]),
        Spacer(1, 8 * mm),
        _p(f"法律依据：{paper.basis}", s["basis"]),
    ]
    return _build(story, paper.title)


def _build(story: list[Flowable], title: str) -> bytes:
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=title, author="智访", invariant=1,
        # the canvas's default face (Helvetica) would be listed, unembedded, in the PDF
        initialFontName=FONT, initialFontSize=12,
    )  # fmt: skip
    doc.build(story)
    return buf.getvalue()
