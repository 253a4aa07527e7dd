"""Readable reference numbers (文号) and 查询码 for matters.

A matter's 文号 is given once, when it is registered, from its site's own format and a
sequence per site and year (``matter_ref_counter``, counted with one atomic upsert so
two desks registering at once never share a number): ``闽侯检信〔2026〕123号``. It is
stored as printed: a later change of the site's format does not renumber what was
printed on a 回执. The 查询码 (8 characters without look-alikes) goes on the 回执 with
the 文号; the two together open the matter's public progress page.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table
from sqlalchemy.orm import Session

from central.db import upsert_insert

from .models import MatterRow, RefCounter

LOCAL = ZoneInfo("Asia/Shanghai")
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
CODE_LENGTH = 8
DEFAULT_FORMAT = "{short}检信〔{year}〕{seq}号"


@dataclass(frozen=True)
class SiteNames:
    """How a site names itself on paper."""

    short: str  # 闽侯
    name: str = ""  # 闽侯县人民检察院
    ref_format: str = DEFAULT_FORMAT

    def ref_no(self, year: int, seq: int) -> str:
        return self.ref_format.format(short=self.short, year=year, seq=seq)


@dataclass(frozen=True)
class SiteDirectory:
    """Every site's names (from the sites file; a site not listed is named by its code)."""

    sites: Mapping[str, SiteNames] = field(default_factory=dict)

    def names(self, site: str) -> SiteNames:
        return self.sites.get(site) or SiteNames(short=site)


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a petitioner typed, as stored (case and spaces forgiven)."""
    return "".join(text.split()).upper()


def _next_seq(session: Session, site: str, year: int) -> int:
    insert = upsert_insert(session)
    t: Table = RefCounter.__table__  # type: ignore[assignment]
    stmt = (
        insert(t)
        .values(site=site, year=year, last=1)
        .on_conflict_do_update(index_elements=[t.c.site, t.c.year], set_={"last": t.c.last + 1})
        .returning(t.c.last)
    )
    return int(session.execute(stmt).scalar_one())


NO_SITE = "-"  # the counter of matters registered by no known site (an account of every site)


def assign(
    session: Session, row: MatterRow, *, site: str | None, registered_at: datetime,
    directory: SiteDirectory | None = None,
) -> None:  # fmt: skip
    """Give ``row`` its site, 文号 and 查询码 (inside the caller's transaction)."""
    year = registered_at.astimezone(LOCAL).year
    seq = _next_seq(session, site or NO_SITE, year)
    names = (directory or SiteDirectory()).names(site) if site else SiteNames(short="本院")
    row.site = site
    row.ref_no = names.ref_no(year, seq)
    row.query_code = new_query_code()
