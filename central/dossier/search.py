"""Finding a person: by ID number (keyed hash), phone, name or its pinyin.

Name and pinyin use prefix ranges (``name >= q AND name < q + U+FFFF``) so one B-tree
index serves both SQLite and PostgreSQL whatever the collation (``LIKE 'q%'`` would
need ``text_pattern_ops`` on PostgreSQL): a surname (张) finds every 张…. When the
prefix finds fewer than asked, a second pass looks for the text anywhere in the name
or the phone (三 finds 张三; 0001 finds a phone ending in it): a scan, but only then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import crypto
from .matching import normalise_name, normalise_phone, valid_id_number
from .models import Person

TOP = "\uffff"
_LATIN = re.compile(r"^[a-zA-Z\s']+$")


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # id_number / phone / pinyin / name
    value: str


def classify(q: str) -> Query | None:
    """What the officer typed: an ID number, a phone number, pinyin, or a name."""
    q = q.strip()
    if not q:
        return None
    if valid_id_number(q) or re.fullmatch(r"[0-9]{15}|[0-9]{17}[0-9Xx]", q):
        return Query("id_number", crypto.normalise_id_number(q))
    digits = normalise_phone(q)
    if re.fullmatch(r"[+\d\s-]{4,}", q) and len(digits) >= 4:
        return Query("phone", digits)
    if _LATIN.match(q):
        return Query("pinyin", re.sub(r"[\s']", "", q).lower())
    return Query("name", normalise_name(q))


def search_persons(session: Session, *, q: str, hash_key: bytes, limit: int = 50) -> list[Person]:
    """Persons matching ``q`` (merged duplicates excluded), best-known first."""
    query = classify(q)
    if query is None:
        return []
    live = Person.merged_into.is_(None)
    stmt = select(Person).where(live)
    v = query.value
    # ordered by the searched column: the index scan stops after ``limit`` rows
    if query.kind == "id_number":
        stmt = stmt.where(Person.id_number_hash == crypto.id_number_hash(hash_key, v))
        order: Any = Person.name
    elif query.kind == "phone":
        exact = len(v) >= 11  # a whole mobile number; shorter input is a prefix
        stmt = stmt.where(Person.phone == v if exact else Person.phone.between(v, v + TOP))
        order = Person.phone
    elif query.kind == "pinyin":
        stmt = stmt.where(Person.name_pinyin.between(v, v + TOP))
        order = Person.name_pinyin
    else:
        stmt = stmt.where(Person.name.between(v, v + TOP))
        order = Person.name
    found = list(session.scalars(stmt.order_by(order).limit(limit)))
    if len(found) < limit and query.kind in ("name", "phone"):
        column = Person.name if query.kind == "name" else Person.phone
        more = select(Person).where(
            live, column.contains(v, autoescape=True), Person.id.not_in([p.id for p in found])
        )
        found += session.scalars(more.order_by(column).limit(limit - len(found)))
    return found
