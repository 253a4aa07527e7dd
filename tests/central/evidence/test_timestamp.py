"""RFC 3161: a local TSA made with ``openssl ts`` stamps checkpoints; bundles carry it."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.evidence.log import Entry, EvidenceLog
from central.evidence.timestamp import TimestampError, Tsa, stamp_checkpoint, timestamp_query
from protocol.bundle import openssl_ts_verify
from protocol.evidence import EvidenceError
from protocol.note import parse_note

from .helpers import make_tsa

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


def test_query_is_what_openssl_makes(tmp_path):
    q = timestamp_query(b"hello\n", nonce=0xB6F53E3B9666565A)
    (tmp_path / "q").write_bytes(q)
    text = subprocess.run(
        ["openssl", "ts", "-query", "-in", str(tmp_path / "q"), "-text"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "Hash Algorithm: sha256" in text and "Certificate required: yes" in text
    assert "0xB6F53E3B9666565A" in text


def test_a_checkpoint_is_stamped_and_the_token_verifies(sessions, tsa_server):
    url, d = tsa_server
    log = EvidenceLog(origin="zhifang.example/log", key=Ed25519PrivateKey.generate())
    with sessions() as s, httpx.Client() as http:
        log.append(s, [Entry(b"m0", "0" * 64)])
        token = stamp_checkpoint(s, log, Tsa(url, d / "tsa.pem"), http)
        s.commit()
        note = parse_note(log.checkpoint(s)).text.encode()
    assert "GMT" in openssl_ts_verify(note, token, d / "tsa.pem")
    with pytest.raises(EvidenceError, match="does not verify"):
        openssl_ts_verify(note + b"x", token, d / "tsa.pem")
    with pytest.raises(EvidenceError, match="does not verify"):
        openssl_ts_verify(note, token[:-20], d / "tsa.pem")


def test_a_tsa_signed_by_an_unknown_cert_is_refused(tsa_server, tmp_path):
    url, _ = tsa_server
    other = make_tsa(tmp_path / "other")
    with httpx.Client() as http, pytest.raises(TimestampError, match="does not verify"):
        Tsa(url, other / "tsa.pem").stamp(b"checkpoint", http)


def test_a_bundle_carries_the_timestamp_and_a_tampered_token_is_named(tsa_server, tmp_path):
    from protocol.bundle import verify_bundle

    from .helpers import MemLog, export, log_reception, record

    url, d = tsa_server
    log = MemLog()
    rec = record(tmp_path / "rec", segments=2)
    log_reception(log, rec)
    out = tmp_path / "bundle"
    export(out, log, rec)
    with httpx.Client() as http:
        text = parse_note((out / "checkpoint.note").read_bytes()).text.encode()
        token = Tsa(url, d / "tsa.pem").stamp(text, http)
    (out / "checkpoint.tsr").write_bytes(token)
    shutil.copyfile(d / "tsa.pem", out / "keys/tsa.pem")
    r = verify_bundle(out)
    assert r.ok and "rfc3161_timestamp" in r.passed and "GMT" in r.facts["timestamp"]
    b = bytearray(token)
    b[-30] ^= 1
    (out / "checkpoint.tsr").write_bytes(bytes(b))
    r = verify_bundle(out)
    assert [f.code for f in r.failures] == ["timestamp_invalid"]
