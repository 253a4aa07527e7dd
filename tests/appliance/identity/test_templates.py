"""Consent rules and templates: no enrolment without consent, encrypted, deletion complete."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.identity import consent
from appliance.identity.templates import ConsentRequired, TemplateCorrupt, TemplateStore
from protocol.canonical import canonical_json

KEY = bytes(range(32))
DEVICE = Ed25519PrivateKey.generate()


def store(tmp_path: Path, key: bytes = KEY) -> TemplateStore:
    return TemplateStore(tmp_path / "t.db", key=key, clock=lambda: 1_700_000_000_000)


def agree(s: TemplateStore, person: str, scopes: list[consent.Scope]) -> consent.ConsentRecord:
    rec = consent.record(
        person_id=person,
        text=consent.DEFAULT_TEXT,
        scopes=scopes,
        officer_id="officer-7",
        now_ms=1_700_000_000_000,
        device_key=DEVICE,
    )
    s.add_consent(rec)
    return rec


def emb(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return v / np.linalg.norm(v)


def test_no_enrolment_without_consent(tmp_path: Path) -> None:
    s = store(tmp_path)
    with pytest.raises(ConsentRequired, match="同意"):
        s.enrol("p1", "face", emb(1))
    agree(s, "p1", ["voice"])  # consented to voice only
    with pytest.raises(ConsentRequired):
        s.enrol("p1", "face", emb(1))
    s.enrol("p1", "voice", emb(2))
    assert s.get("p1", "face") is None


def test_consent_record_is_signed_and_names_the_text(tmp_path: Path) -> None:
    s = store(tmp_path)
    rec = agree(s, "p1", ["face"])
    assert rec.text_version == consent.DEFAULT_TEXT.version
    assert rec.text_sha256 == consent.DEFAULT_TEXT.sha256
    DEVICE.public_key().verify(bytes.fromhex(rec.signature), canonical_json(rec.payload()))
    with pytest.raises(ConsentRequired):
        s.add_consent(rec.model_copy(update={"signature": ""}))
    with pytest.raises(ValueError):
        consent.record(
            person_id="p2",
            text=consent.DEFAULT_TEXT,
            scopes=[],
            officer_id="o",
            now_ms=0,
            device_key=DEVICE,
        )
    assert "身份证号" in consent.ALTERNATIVE_ZH


def test_templates_are_encrypted_at_rest(tmp_path: Path) -> None:
    s = store(tmp_path)
    agree(s, "p1", ["face"])
    v = emb(3)
    s.enrol("p1", "face", v)
    np.testing.assert_array_equal(s.get("p1", "face"), v)
    raw = (tmp_path / "t.db").read_bytes()
    assert v.tobytes()[:16] not in raw
    s.close()
    with pytest.raises(TemplateCorrupt):
        store(tmp_path, key=bytes(32)).get("p1", "face")


def test_flipped_byte_and_moved_row_do_not_open(tmp_path: Path) -> None:
    s = store(tmp_path)
    agree(s, "p1", ["face"])
    agree(s, "p2", ["face"])
    s.enrol("p1", "face", emb(1))
    s.enrol("p2", "face", emb(2))
    s.close()
    db = sqlite3.connect(tmp_path / "t.db")
    # p2's row given p1's ciphertext: the associated data (person, consent) no longer fits
    db.execute(
        "UPDATE template SET ciphertext=(SELECT ciphertext FROM template WHERE "
        "person_id='p1'), nonce=(SELECT nonce FROM template WHERE person_id='p1') "
        "WHERE person_id='p2'"
    )
    (ct,) = db.execute("SELECT ciphertext FROM template WHERE person_id='p1'").fetchone()
    flipped = bytearray(ct)
    flipped[10] ^= 0x01
    db.execute("UPDATE template SET ciphertext=? WHERE person_id='p1'", (bytes(flipped),))
    db.commit()
    db.close()
    s = store(tmp_path)
    for p in ("p1", "p2"):
        with pytest.raises(TemplateCorrupt):
            s.get(p, "face")


def test_one_to_n_only_among_consenting(tmp_path: Path) -> None:
    s = store(tmp_path)
    agree(s, "yes", ["face", "identify_1n"])
    agree(s, "no", ["face"])
    s.enrol("yes", "face", emb(1))
    s.enrol("no", "face", emb(2))
    g = s.gallery("face")
    assert g.person_ids == ["yes"]
    assert g.identify(emb(2), 0.5).person_id is None  # "no" is never found by search
    assert g.identify(emb(1), 0.5).person_id == "yes"


def test_deletion_is_complete_here_and_at_other_desks(tmp_path: Path) -> None:
    desk_a = store(tmp_path)
    other = tmp_path / "b"
    other.mkdir()
    desk_b = TemplateStore(other / "t.db", key=KEY, clock=lambda: 1)
    for s in (desk_a, desk_b):
        agree(s, "p1", ["face", "voice", "identify_1n"])
        s.enrol("p1", "face", emb(1))
        s.enrol("p1", "voice", emb(2))
        agree(s, "p2", ["face"])
        s.enrol("p2", "face", emb(3))
    notice = desk_a.delete_person("p1", officer_id="officer-7", reason="本人申请删除")
    desk_b.apply_deletion(notice)
    desk_b.apply_deletion(notice)  # delivered twice: still fine
    for s in (desk_a, desk_b):
        assert not s.holds_anything_of("p1")
        assert s.get("p1", "face") is None and s.get("p1", "voice") is None
        assert "p1" not in s.gallery("face").person_ids
        with pytest.raises(ConsentRequired):  # consent went with it: re-enrolment asks again
            s.enrol("p1", "face", emb(1))
        assert s.get("p2", "face") is not None


def test_bad_key_and_bad_embedding_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        TemplateStore(tmp_path / "x.db", key=b"short", clock=lambda: 0)
    s = store(tmp_path)
    agree(s, "p1", ["face"])
    with pytest.raises(ValueError):
        s.enrol("p1", "face", np.array([np.nan] * 4, np.float32))
    assert s.get("p1", "face") is None


def test_template_travels_sealed_to_another_desk(tmp_path: Path) -> None:
    a = store(tmp_path)
    (tmp_path / "b").mkdir()
    b = TemplateStore(tmp_path / "b" / "t.db", key=KEY, clock=lambda: 1_700_000_000_001)
    agree(a, "p1", ["face", "identify_1n"])
    v = emb(5)
    a.enrol("p1", "face", v)
    t = a.export_person("p1")
    wire = t.model_dump_json()
    assert v.tobytes()[:16].hex() not in wire  # sealed in transit too
    b.import_person(type(t).model_validate_json(wire))
    np.testing.assert_array_equal(b.get("p1", "face"), v)
    assert b.gallery("face").person_ids == ["p1"]


def test_transfer_from_another_site_or_after_deletion_is_refused(tmp_path: Path) -> None:
    a = store(tmp_path)
    agree(a, "p1", ["face"])
    a.enrol("p1", "face", emb(6))
    t = a.export_person("p1")
    (tmp_path / "other").mkdir()
    other_site = TemplateStore(tmp_path / "other" / "t.db", key=bytes(32), clock=lambda: 5)
    with pytest.raises(TemplateCorrupt):
        other_site.import_person(t)
    assert not other_site.holds_anything_of("p1")  # nothing half-imported
    (tmp_path / "b").mkdir()
    b = TemplateStore(tmp_path / "b" / "t.db", key=KEY, clock=lambda: 1_800_000_000_000)
    b.apply_deletion(a.delete_person("p1", officer_id="o", reason="本人申请"))
    with pytest.raises(ConsentRequired, match="deleted"):
        b.import_person(t)  # a stale copy arriving late does not bring the person back
    assert not b.holds_anything_of("p1")


def test_unused_templates_expire_after_the_retention_limit(tmp_path: Path) -> None:
    now = [1_700_000_000_000]
    s = TemplateStore(tmp_path / "t.db", key=KEY, clock=lambda: now[0])
    for p in ("old", "seen"):
        agree(s, p, ["face"])
        s.enrol(p, "face", emb(1))
    day = 86_400_000
    now[0] += 400 * day
    s.mark_used("seen")  # verified at the desk: the clock restarts for this person
    now[0] += 800 * day
    notices = s.expire(idle_ms=1095 * day)
    assert [n.person_id for n in notices] == ["old"]
    assert "保存期限" in notices[0].reason
    assert not s.holds_anything_of("old") and s.get("seen", "face") is not None
