from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.canonical import canonical_json
from protocol.envelope import MAX_EVENT_BYTES, decode, seal
from protocol.errors import MalformedMessage, SchemaError, SignatureError
from protocol.ids import uuid7, uuid7_time_ms
from protocol.messages import RatingGiven, parse_body

RID = "01937a2b-4c00-7d00-8e00-0000000000a1"


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


def rating(**kw):
    return RatingGiven(reception_id=RID, rating="satisfied", at=1, **kw)


def test_seal_then_decode_round_trips(key):
    env = seal(key=key, device="desk-1", seq=3, body=rating())
    back = decode(env.to_wire())
    back.verify(key.public_key())
    assert back == env
    assert back.parsed_body() == rating()


def test_another_key_does_not_verify(key):
    env = seal(key=key, device="desk-1", seq=1, body=rating())
    with pytest.raises(SignatureError):
        decode(env.to_wire()).verify(Ed25519PrivateKey.generate().public_key())


def test_every_field_is_covered_by_the_signature(key):
    env = seal(key=key, device="desk-1", seq=1, body=rating())
    wire = json.loads(env.to_wire())
    for field, value in [
        ("seq", 2),
        ("device", "desk-2"),
        ("ts", 5),
        ("type", "rating.given"),
        ("schema", 2),
        ("event_id", str(uuid7())),
    ]:
        if wire[field] == value:
            continue
        changed = dict(wire, **{field: value})
        with pytest.raises(SignatureError):
            decode(canonical_json(changed)).verify(key.public_key())


def test_size_limit_and_encoding_errors():
    with pytest.raises(MalformedMessage) as big:
        decode(b"x" * (MAX_EVENT_BYTES + 1))
    assert big.value.reason == "too_large"
    with pytest.raises(MalformedMessage) as utf:
        decode(b'{"a":"\xff\xfe"}')
    assert utf.value.reason == "not_utf8"


def test_unknown_type_and_schema_are_distinguished():
    with pytest.raises(SchemaError) as t:
        parse_body("nope", 1, {})
    assert t.value.reason == "unknown_type"
    with pytest.raises(SchemaError) as s:
        parse_body("rating.given", 99, {})
    assert s.value.reason == "unsupported_schema"
    with pytest.raises(SchemaError) as b:
        parse_body("rating.given", 1, {"reception_id": RID, "rating": "great", "at": 1})
    assert b.value.reason == "bad_body"


def test_canonical_json_refuses_floats_and_sorts_keys():
    assert canonical_json({"b": 1, "a": "智"}) == '{"a":"智","b":1}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"a": 0.5})
    with pytest.raises(ValueError):
        canonical_json({"a": 2**60})


def test_uuid7_is_time_ordered_and_versioned():
    ids = [uuid7() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(u.version == 7 for u in ids)
    assert uuid7(now_ms=1_700_000_000_000) and uuid7_time_ms(uuid7(now_ms=10**13)) >= 10**13
