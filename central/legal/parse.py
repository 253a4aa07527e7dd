"""Plain text or Markdown of a law → its articles (pure; no I/O).

Recognised lines (Markdown ``#`` marks, ``**`` bold and full-width spaces allowed):
``第一编 …`` (part), ``第一章 总则`` (chapter), ``第一节 …`` (section), and
``第一条 text`` / ``第十二条之一 text`` (an article). Any other non-empty line after an
article continues it (paragraphs, items （一）…). Lines before the first structural
line are the title/preamble and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import LegalError

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
DIGITS |= {"七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
HEAD = re.compile(rf"^第({NUM})(编|章|节)(?:\s+|$)(.*)$")
ARTICLE = re.compile(rf"^第({NUM})条(之[一二三四五六七八九十]+)?(?:\s+|$)(.*)$")


class LegalImportError(LegalError, ValueError):
    """The text is not a law we can read; says which line and why."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"第 {line} 行：{message}" if line else message)
        self.line = line


def cn_number(text: str) -> int:
    """第十二条 → 12, 一百零五 → 105, 二千 → 2000, also plain Arabic digits."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            total += (digit or 1) * UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese number: {text}")
    return total + digit


@dataclass
class ParsedArticle:
    number: int
    label: str
    part: str
    chapter: str
    section: str
    body: str


def _clean(line: str) -> str:
    line = line.replace("\u3000", " ").strip()
    line = re.sub(r"^#{1,6}\s*", "", line)  # Markdown heading marks
    line = re.sub(r"^[-*]\s+", "", line)  # list bullets
    line = line.replace("**", "").replace("__", "")
    return line.strip()


def parse_law(text: str) -> list[ParsedArticle]:
    """Articles in order. Raises LegalImportError on an empty text, a repeated article
    label, or an article number going backwards (a sign the file is two laws or garbled)."""
    part = chapter = section = ""
    articles: list[ParsedArticle] = []
    seen: set[str] = set()
    for n, raw in enumerate(text.splitlines(), start=1):
        line = _clean(raw)
        if not line:
            continue
        if m := HEAD.match(line):
            heading = f"第{m.group(1)}{m.group(2)} {m.group(3).strip()}".strip()
            if m.group(2) == "编":
                part, chapter, section = heading, "", ""
            elif m.group(2) == "章":
                chapter, section = heading, ""
            else:
                section = heading
            continue
        if m := ARTICLE.match(line):
            label = f"第{m.group(1)}条{m.group(2) or ''}"
            number = cn_number(m.group(1))
            if label in seen:
                raise LegalImportError(f"{label} 重复", line=n)
            if articles and number < articles[-1].number:
                raise LegalImportError(
                    f"{label} 在 {articles[-1].label} 之后，条文编号倒退", line=n
                )
            seen.add(label)
            articles.append(ParsedArticle(number, label, part, chapter, section, m.group(3)))
            continue
        if articles:
            prev = articles[-1]
            prev.body = f"{prev.body}\n{line}" if prev.body else line
    if not articles:
        raise LegalImportError("没有找到任何条文（应有“第一条”这样的行）")
    for a in articles:
        if not a.body.strip():
            raise LegalImportError(f"{a.label} 没有正文")
    return articles
