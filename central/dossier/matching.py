"""Duplicate-person detection (pure): is this new record someone we already know?

Evidence, strongest first:
* the same ID number (compared by keyed hash, never in clear) — the same person;
* a different ID number on both sides — different persons, whatever the name;
* the same phone number;
* the same name, or a name that sounds the same (同音, 多音字 readings included:
  曾 zēng/céng, 单 shàn/dān), compared in toneless pinyin;
* the same township.

``score`` is in permille with the reasons that made it, so the officer sees why two
records are offered for a merge; the merge itself is audited elsewhere.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin, pinyin

from central.dossier.crypto import id_number_hash

MAX_READINGS = 64  # cap on reading combinations for names full of 多音字
CANDIDATE_AT = 600  # permille from which two records are offered for a merge

_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(id_number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    n = id_number.strip().upper()
    if not _ID_RE.match(n):
        return False
    total = sum(int(c) * w for c, w in zip(n[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == n[17]


def normalise_phone(phone: str) -> str:
    """Digits only, without the +86 / 0086 country prefix."""
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix) :]
    return digits


def normalise_name(name: str) -> str:
    """Drop spaces and the middle dot of transliterated names (e.g. 买买提·艾力)."""
    return re.sub(r"[\s·•・.]", "", name)


def name_readings(name: str) -> frozenset[str]:
    """Every toneless pinyin reading of a name (``"zengwei"``, ``"cengwei"``...)."""
    n = normalise_name(name)
    if not n:
        return frozenset()
    per_char = pinyin(n, style=Style.NORMAL, heteronym=True, errors="default")
    combos = itertools.islice(itertools.product(*per_char), MAX_READINGS)
    return frozenset("".join(c).lower() for c in combos)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What matching needs about a person; ``id_hash`` from ``crypto.id_number_hash``."""

    id: str
    name: str
    id_hash: str | None = None
    phones: tuple[str, ...] = ()
    township: str | None = None


def record(
    id_: str,
    name: str,
    *,
    hash_key: bytes,
    id_number: str | None = None,
    phones: Iterable[str] = (),
    township: str | None = None,
) -> PersonRecord:
    """Build a record from raw input, hashing the ID number with the site's key."""
    return PersonRecord(
        id=id_,
        name=name,
        id_hash=id_number_hash(hash_key, id_number) if id_number else None,
        phones=tuple(sorted({p for p in map(normalise_phone, phones) if p})),
        township=(township or "").strip() or None,
    )


@dataclass(frozen=True, slots=True)
class Match:
    score: int  # permille
    reasons: tuple[str, ...]

    @property
    def is_candidate(self) -> bool:
        return self.score >= CANDIDATE_AT


def score(a: PersonRecord, b: PersonRecord) -> Match:
    """How likely ``a`` and ``b`` are the same person, with the reasons."""
    if a.id_hash and b.id_hash:
        if a.id_hash == b.id_hash:
            return Match(1000, ("身份证号一致",))
        return Match(0, ("身份证号不同",))
    points = 0
    reasons: list[str] = []
    na, nb = normalise_name(a.name), normalise_name(b.name)
    if na and na == nb:
        points += 500
        reasons.append("姓名一致")
    elif name_readings(na) & name_readings(nb):
        points += 350
        reasons.append("姓名同音")
    shared = set(map(normalise_phone, a.phones)) & set(map(normalise_phone, b.phones))
    if shared - {""}:
        points += 400
        reasons.append("电话一致")
    if a.township and a.township == b.township:
        points += 50
        reasons.append("乡镇（街道）一致")
    return Match(min(points, 990), tuple(reasons))  # only an ID number makes it certain


def candidates(
    new: PersonRecord, known: Iterable[PersonRecord], *, at_least: int = CANDIDATE_AT
) -> list[tuple[PersonRecord, Match]]:
    """Known records that may be ``new``, best first (ties by id, for a stable order)."""
    found = [(k, score(new, k)) for k in known if k.id != new.id]
    hits = [(k, m) for k, m in found if m.score >= at_least]
    return sorted(hits, key=lambda km: (-km[1].score, km[0].id))


def pinyin_key(name: str) -> str:
    """Toneless pinyin without spaces (``张伟`` → ``zhangwei``), the first reading."""
    n = normalise_name(name)
    return "".join(lazy_pinyin(n, style=Style.NORMAL, errors="default")).lower()[:400]
