"""Duplicate-person detection (central/dossier/matching.py)."""

from __future__ import annotations

import pytest

from central.dossier.matching import (
    PersonRecord,
    candidates,
    name_readings,
    normalise_phone,
    record,
    score,
    valid_id_number,
)

KEY = b"k" * 32
ID = "11010519491231002X"  # GB 11643 sample number, valid check digit


def test_id_number_check_digit():
    assert valid_id_number(ID) and valid_id_number(ID.lower())
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("12345")


def test_same_id_number_is_certain_and_compared_by_keyed_hash():
    a = record("p1", "张伟", hash_key=KEY, id_number=ID)
    b = record("p2", "张 伟", hash_key=KEY, id_number=ID.lower() + " ")
    assert a.id_hash == b.id_hash and a.id_hash is not None and ID not in a.id_hash
    assert score(a, b).score == 1000 and score(a, b).reasons == ("身份证号一致",)
    other_key = record("p3", "张伟", hash_key=b"x" * 32, id_number=ID)
    assert other_key.id_hash != a.id_hash


def test_different_id_numbers_are_different_people_whatever_the_name():
    a = record("p1", "张伟", hash_key=KEY, id_number=ID, phones=["13800138000"])
    b = record("p2", "张伟", hash_key=KEY, id_number="110105194912310010", phones=["13800138000"])
    m = score(a, b)
    assert (m.score, m.reasons, m.is_candidate) == (0, ("身份证号不同",), False)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("0591-8888", "05918888"),
    ],
)
def test_phone_normalisation(raw, norm):
    assert normalise_phone(raw) == norm


def test_homophone_name_and_same_phone_is_a_candidate():
    a = record("p1", "张伟", hash_key=KEY, phones=["13800138000"])
    b = record("p2", "章玮", hash_key=KEY, phones=["+86 138 0013 8000"])  # 同音
    m = score(a, b)
    assert m.is_candidate and m.reasons == ("姓名同音", "电话一致") and m.score == 750


def test_polyphonic_surname_matches_either_reading():
    assert {"zengwei", "cengwei"} <= name_readings("曾伟")
    # 单 read shàn as a surname: 单雄 sounds like 善雄.
    m = score(PersonRecord("a", "单雄", phones=("1",)), PersonRecord("b", "善雄", phones=("1",)))
    assert "姓名同音" in m.reasons and m.is_candidate


def test_exact_name_and_phone_beats_homophone_and_phone():
    new = record("new", "李娜", hash_key=KEY, phones=["13900000001"], township="甘蔗街道")
    known = [
        record("k1", "李纳", hash_key=KEY, phones=["13900000001"]),
        record("k2", "李娜", hash_key=KEY, phones=["13900000001"], township="甘蔗街道"),
        record("k3", "李娜", hash_key=KEY, phones=["13900000009"]),  # name only: not offered
        record("k4", "王芳", hash_key=KEY, phones=["13900000001"]),  # phone only: not offered
        new,  # itself: never a duplicate
    ]
    got = candidates(new, known)
    assert [(k.id, m.score) for k, m in got] == [("k2", 950), ("k1", 750)]
    assert got[0][1].reasons == ("姓名一致", "电话一致", "乡镇（街道）一致")
    assert [k.id for k, _ in candidates(new, known, at_least=400)] == ["k2", "k1", "k3", "k4"]


def test_name_only_never_reaches_certainty():
    m = score(PersonRecord("a", "王芳", township="x"), PersonRecord("b", "王芳", township="x"))
    assert m.score == 550 and not m.is_candidate


def test_transliterated_names_and_empty_inputs():
    assert score(PersonRecord("a", "买买提·艾力"), PersonRecord("b", "买买提艾力")).reasons == (
        "姓名一致",
    )
    assert name_readings("  ") == frozenset()
    assert score(PersonRecord("a", ""), PersonRecord("b", "")).score == 0
