"""The local dossier cache: found by ID or phone, bounded, private keys, survives reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appliance.dossier_cache import DAY_MS, DossierCache
from tests.appliance.ui.helpers import LISI_ID, LISI_PHONE, lisi_timeline


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000_000

    def __call__(self) -> int:
        return self.now


def test_put_find_get_and_reopen(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    c = DossierCache(db)
    c.put(lisi_timeline(), id_number=LISI_ID, phone=LISI_PHONE)
    assert c.find(id_number=LISI_ID.lower().replace("x", "X")) == "p-lisi"
    assert c.find(phone=LISI_PHONE) == "p-lisi"
    assert c.find(id_number="110105199001010010") is None
    c.close()
    c = DossierCache(db)
    hit = c.get("p-lisi")
    assert hit is not None and hit.timeline.person.name == "李四"
    c.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("d.sqlite3*"))
    assert LISI_ID.encode() not in raw  # lookup keys are keyed hashes


def test_old_entries_expire_and_size_is_bounded(tmp_path: Path) -> None:
    clock = Clock()
    c = DossierCache(tmp_path / "d.sqlite3", max_entries=2, max_age_days=30, clock_ms=clock)
    base = lisi_timeline()
    for i in range(3):
        person = base.person.model_copy(update={"id": f"p-{i}"})
        c.put(base.model_copy(update={"person": person}), phone=f"1390000000{i}")
        clock.now += 1000
    assert c.count() == 2 and c.get("p-0") is None and c.find(phone="13900000000") is None
    clock.now += 31 * DAY_MS
    assert c.get("p-2") is None


def test_unreadable_row_is_dropped_not_shown(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    c = DossierCache(db)
    c.put(lisi_timeline(), id_number=LISI_ID)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE dossier SET timeline_json = '{\"broken\": 1}'")
    assert c.get("p-lisi") is None
    assert c.count() == 0


def test_forget_removes_lookup_keys_too(tmp_path: Path) -> None:
    c = DossierCache(tmp_path / "d.sqlite3")
    c.put(lisi_timeline(), id_number=LISI_ID)
    c.forget("p-lisi")
    assert c.find(id_number=LISI_ID) is None
