"""A site's wording of each paper: read (the site's own, else the shipped default),
checked and saved by that site's admin.

A template may use only the known ``{placeholders}``; an article it cites
(``《信访工作条例》第三十二条``) must be in the site's legal library (``central.legal``),
so a paper never cites an article nobody can look up.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.legal.models import ArticleRow, LawRow

from .errors import DocumentsError
from .kinds import HEADER_DEFAULT, KINDS, PLACEHOLDERS, DocKind
from .models import DocumentTemplateRow
from .render import missing_glyphs

HEADER = "header"  # the site's name at the top of every paper
MAX_BODY = 4000
MAX_BASIS = 1000
CITATION = re.compile(
    r"《([^》]{1,100})》\s*(第[0-9零〇一二两三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?)"
)


class TemplateError(DocumentsError, ValueError):
    """What the admin must correct, in Chinese."""


@dataclass(frozen=True)
class Template:
    kind: str
    body: str
    basis: str
    custom: bool  # the site's own (else the shipped default)
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(f"{self.body}\x00{self.basis}".encode()).hexdigest()


def default(kind: str) -> Template:
    if kind == HEADER:
        return Template(HEADER, HEADER_DEFAULT, "", False)
    k = KINDS[DocKind(kind)]
    return Template(kind, k.body, k.basis, False)


def get(session: Session, site: str | None, kind: str) -> Template:
    row = session.get(DocumentTemplateRow, (site or "*", kind))
    if row is None:
        return default(kind)
    return Template(kind, row.body, row.basis, True, row.updated_by, row.updated_at)


def all_for(session: Session, site: str | None) -> list[Template]:
    return [get(session, site, k) for k in (HEADER, *(k.value for k in DocKind))]


def placeholders(body: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError as e:  # an unmatched brace
        raise TemplateError("花括号不配对：占位符写作 {name}，文字中的花括号请删去") from e


def citations(text: str) -> list[tuple[str, str]]:
    """(law, article label) of each article cited."""
    return [(m.group(1).strip(), m.group(2)) for m in CITATION.finditer(text)]


def check_basis(session: Session, text: str) -> None:
    """Every cited article must be in the legal library."""

    for law, label in citations(text):
        found = session.scalar(
            select(ArticleRow.id)
            .join(LawRow, LawRow.id == ArticleRow.law_id)
            .where(LawRow.name == law, ArticleRow.label == label)
        )
        if found is None:
            raise TemplateError(
                f"法条库中没有《{law}》{label}：请先在“法律法规”导入该法律，或改写依据"
            )


def check(session: Session, kind: str, body: str, basis: str) -> tuple[str, str]:
    body, basis = body.strip().replace("\r\n", "\n"), basis.strip().replace("\r\n", "\n")
    if kind != HEADER and kind not in KINDS:
        raise TemplateError("没有这种文书")
    if not body:
        raise TemplateError("正文不能为空")
    if len(body) > MAX_BODY or len(basis) > MAX_BASIS:
        raise TemplateError(f"正文不超过 {MAX_BODY} 字，法律依据不超过 {MAX_BASIS} 字")
    if kind == HEADER:
        if "\n" in body or len(body) > 60:
            raise TemplateError("院名只写一行，不超过 60 字")
    else:
        unknown = placeholders(body) - set(PLACEHOLDERS)
        if unknown:
            raise TemplateError(
                f"不认识的占位符：{'、'.join('{' + u + '}' for u in sorted(unknown))}"
            )
        if not basis:
            raise TemplateError("每份文书须写明法律依据")
    lacking = missing_glyphs(body + basis)
    if lacking:
        raise TemplateError(f"字体中没有这些字，打印会缺字：{lacking}")
    check_basis(session, basis)
    return body, basis


def save(
    session: Session, *, site: str, kind: str, body: str, basis: str, actor: str, now: datetime
) -> Template:
    """Check and keep the site's wording (the caller commits); audited with its hash."""
    body, basis = check(session, kind, body, basis)
    row = session.get(DocumentTemplateRow, (site, kind))
    if row is None:
        row = DocumentTemplateRow(site=site, kind=kind)
        session.add(row)
    row.body, row.basis, row.updated_by, row.updated_at = body, basis, actor, now
    t = Template(kind, body, basis, True, actor, now)
    audit.record(
        session,
        actor=actor,
        action="document.template.save",
        target=f"site:{site}",
        reason=f"{kind} 模板（SHA-256 {t.sha256[:16]}…）",
    )
    return t


def reset(session: Session, *, site: str, kind: str, actor: str) -> None:
    """Back to the shipped default."""
    row = session.get(DocumentTemplateRow, (site, kind))
    if row is not None:
        session.delete(row)
        audit.record(session, actor=actor, action="document.template.reset",
                     target=f"site:{site}", reason=f"{kind} 模板恢复默认")  # fmt: skip
