"""The golden vectors: our encoder reproduces them byte for byte, our decoder
accepts the valid ones and refuses each invalid one with its stated reason."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import keys, vectors
from protocol.envelope import decode
from protocol.errors import ProtocolError
from protocol.vectors.generate import build

V = vectors.load("envelopes")


def test_vectors_on_disk_match_the_generator():
    assert build() == V, "golden vectors changed: a wire-format change needs a new schema"


def test_test_key_is_the_published_one():
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(V["seed_hex"]))
    assert keys.public_key_b64(key) == V["public_key"]


@pytest.mark.parametrize("vector", V["valid"], ids=lambda v: v["type"])
def test_valid_vectors_verify_and_parse(vector):
    env = decode(vector["wire"].encode("utf-8"))
    env.verify(keys.load_public_b64(V["public_key"]))
    body = env.parsed_body()
    assert body.TYPE == vector["type"] == env.type
    assert env.to_wire().decode("utf-8") == vector["wire"]


@pytest.mark.parametrize("vector", V["invalid"], ids=lambda v: v["name"])
def test_invalid_vectors_are_refused_with_their_reason(vector):
    with pytest.raises(ProtocolError) as info:
        env = decode(vector["wire"].encode("utf-8"))
        env.verify(keys.load_public_b64(V["public_key"]))
        env.parsed_body()
    assert info.value.reason == vector["reason"]
