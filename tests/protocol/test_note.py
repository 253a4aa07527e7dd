"""Signed notes, checkpoints and witnesses: what a log operator and a witness do."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import keys, merkle
from protocol.note import (
    Checkpoint,
    CosignatureVerifier,
    Note,
    NoteError,
    NoteSigner,
    NoteVerifier,
    Witness,
    WitnessRefused,
    WitnessState,
    open_checkpoint,
    parse_checkpoint,
    parse_note,
    sign_note,
)

ORIGIN = "zhifang.example/log"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


class Log:
    def __init__(self) -> None:
        self.f = merkle.Frontier()
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.signer = NoteSigner(ORIGIN, LOG_KEY)

    def add(self, n: int, tag: bytes = b"") -> None:
        for _ in range(n):
            leaf = merkle.hash_leaf(tag + self.f.size.to_bytes(8, "big"))
            for level, index, h in self.f.append(leaf):
                self.nodes[(level, index)] = h

    def get(self, ids):
        return [self.nodes[i] for i in ids]

    def checkpoint(self) -> bytes:
        cp = Checkpoint(ORIGIN, self.f.size, self.f.root())
        return sign_note(cp.text(), [self.signer]).to_bytes()


def test_key_id_is_the_c2sp_hash_of_name_newline_type_and_key():
    v = NoteVerifier(ORIGIN, LOG_KEY.public_key())
    want = hashlib.sha256(
        ORIGIN.encode() + b"\n\x01" + keys.public_raw(LOG_KEY.public_key())
    ).digest()[:4]
    assert v.key_id == want
    again = NoteVerifier.from_vkey(v.vkey())
    assert again.key_id == want and again.name == ORIGIN


def test_checkpoint_round_trip_and_format():
    log = Log()
    log.add(5)
    raw = log.checkpoint()
    text, sigs = raw.decode().split("\n\n")
    origin, size, root = text.split("\n")
    assert (origin, size) == (ORIGIN, "5")
    assert base64.b64decode(root) == log.f.root()
    assert sigs.startswith("— zhifang.example/log ") and sigs.endswith("\n")
    cp, _ = open_checkpoint(raw, NoteVerifier(ORIGIN, LOG_KEY.public_key()))
    assert cp == Checkpoint(ORIGIN, 5, log.f.root())


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda b: b[:-1], "truncated"),
        (lambda b: b + b"garbage", "truncated"),
        (lambda b: b + b"\n", "no_signatures"),
        (lambda b: b.replace(b"\n5\n", b"\n6\n"), "bad_signature"),
        (lambda b: b.replace(b"\n5\n", b"\n05\n"), "bad_signature"),
        (lambda b: b.replace("—".encode(), b"--"), "bad_line"),
        (lambda b: b.replace(b"\n\n", b"\n"), "no_signatures"),
        (lambda b: b"\x01" + b, "control_char"),
        (lambda b: b"\xff" + b, "not_utf8"),
    ],
    ids=[
        "truncated",
        "trailing-garbage",
        "trailing-newline",
        "size-changed",
        "size-leading-zero",
        "ascii-dash",
        "no-blank-line",
        "control-char",
        "not-utf8",
    ],
)
def test_tampered_checkpoints_are_refused_with_a_reason(mangle, reason):
    log = Log()
    log.add(5)
    with pytest.raises(NoteError) as e:
        open_checkpoint(mangle(log.checkpoint()), NoteVerifier(ORIGIN, LOG_KEY.public_key()))
    assert e.value.reason == reason


def test_checkpoint_signed_by_another_key_is_refused():
    log = Log()
    log.add(3)
    other = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    raw = sign_note(parse_note(log.checkpoint()).text, [other]).to_bytes()
    with pytest.raises(NoteError) as e:
        open_checkpoint(raw, NoteVerifier(ORIGIN, LOG_KEY.public_key()))
    assert e.value.reason == "unsigned"


def test_a_second_bad_signature_from_the_same_key_rejects_the_note():
    log = Log()
    log.add(3)
    note = parse_note(log.checkpoint())
    s = note.signatures[0]
    forged = type(s)(s.name, s.key_id, bytes(64))
    raw = Note(note.text, (s, forged)).to_bytes()
    with pytest.raises(NoteError, match="does not verify"):
        open_checkpoint(raw, NoteVerifier(ORIGIN, LOG_KEY.public_key()))


def test_parse_checkpoint_is_strict():
    for bad in ["o\n1\n", "o\nx\nAAAA\n", "\n1\n" + "A" * 44 + "\n", "o\n1\nAAAA\n"]:
        with pytest.raises(NoteError):
            parse_checkpoint(bad)


def test_witness_cosigns_a_growing_log_and_refuses_a_fork():
    log = Log()
    log_v = NoteVerifier(ORIGIN, LOG_KEY.public_key())
    w = Witness("witness.example/w1", WITNESS_KEY, log_v)
    log.add(4)
    sig, state = w.cosign(log.checkpoint(), last=None, proof=[], now_s=1_700_000_000)
    cosigned = Note(
        parse_note(log.checkpoint()).text, (*parse_note(log.checkpoint()).signatures, sig)
    )
    assert (
        CosignatureVerifier("witness.example/w1", WITNESS_KEY.public_key()).verify(
            parse_note(cosigned.to_bytes())
        )
        == 1_700_000_000
    )
    log.add(3)
    proof = merkle.consistency_proof(4, 7, log.get)
    _, state2 = w.cosign(log.checkpoint(), last=state, proof=proof, now_s=1_700_000_100)
    assert state2 == WitnessState(7, log.f.root())

    # the operator shows someone else a different tree of size 9 (split view)
    fork = Log()
    fork.add(9, tag=b"fork")
    with pytest.raises(WitnessRefused) as e:
        w.cosign(
            fork.checkpoint(),
            last=state2,
            proof=merkle.consistency_proof(7, 9, fork.get),
            now_s=1_700_000_200,
        )
    assert e.value.reason == "inconsistent"
    with pytest.raises(WitnessRefused) as e:
        old = Log()
        old.add(4)
        w.cosign(old.checkpoint(), last=state2, proof=[], now_s=1)
    assert e.value.reason == "rollback"


def test_cosignature_tampering_is_caught():
    log = Log()
    log.add(2)
    w = Witness("w2", WITNESS_KEY, NoteVerifier(ORIGIN, LOG_KEY.public_key()))
    sig, _ = w.cosign(log.checkpoint(), last=None, proof=[], now_s=100)
    note = parse_note(log.checkpoint())
    later = type(sig)(sig.name, sig.key_id, (101).to_bytes(8, "big") + sig.data[8:])
    with pytest.raises(NoteError) as e:
        CosignatureVerifier("w2", WITNESS_KEY.public_key()).verify(
            Note(note.text, (*note.signatures, later))
        )
    assert e.value.reason == "bad_cosignature"


# golang.org/x/mod/sumdb/note's published example (PeterNeumann): Ed25519 is
# deterministic, so our signer must reproduce it byte for byte.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_go_sumdb_note_vector():
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])
    assert seed[0] == 1
    signer = NoteSigner("PeterNeumann", Ed25519PrivateKey.from_private_bytes(seed[1:]))
    assert signer.verifier.vkey() == GO_VKEY
    assert sign_note(GO_TEXT, [signer]).to_bytes() == GO_NOTE.encode()
    v = NoteVerifier.from_vkey(GO_VKEY)
    v.verify(parse_note(GO_NOTE.encode()))
    with pytest.raises(NoteError):
        v.verify(parse_note(GO_NOTE.replace("cryptography", "cryptographY").encode()))


def test_cosignature_key_id_and_timestamp_match_transparency_dev_formats():
    """Vectors from transparency-dev/formats note/note_cosigv1_test.go."""
    vkey = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
    name, kid, blob = vkey.split("+", 2)
    raw = base64.b64decode(blob)
    assert raw[0] == 0x04  # tlog-cosignature v1 signature type
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    v = CosignatureVerifier(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
    assert v.key_id.hex() == kid
    sig = base64.b64decode(
        "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
    )
    assert len(sig) == 4 + 8 + 64 and int.from_bytes(sig[4:12], "big") == 1727964367
