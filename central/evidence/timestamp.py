"""RFC 3161 timestamps of checkpoints from a configurable time-stamping authority.

The request is small enough to encode by hand (SHA-256 message imprint, a nonce,
certReq true). The reply is checked with ``openssl ts -verify`` against the TSA's
certificate before it is stored, so a bundle never carries a token that fails.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from protocol import note
from protocol.bundle import openssl_ts_verify
from protocol.evidence import EvidenceError

from .errors import EvidenceLogError
from .log import EvidenceLog
from .models import CheckpointRow

SHA256_OID = bytes.fromhex("0609608648016503040201")  # 2.16.840.1.101.3.4.2.1


def _der(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + body


def _int(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=False)
    return _der(0x02, raw)


def timestamp_query(data: bytes, nonce: int) -> bytes:
    """DER TimeStampReq for SHA-256(data)."""
    algo = _der(0x30, SHA256_OID + b"\x05\x00")
    imprint = _der(0x30, algo + _der(0x04, hashlib.sha256(data).digest()))
    return _der(0x30, _int(1) + imprint + _int(nonce) + b"\x01\x01\xff")


class TimestampError(EvidenceLogError, RuntimeError):
    pass


@dataclass(frozen=True)
class Tsa:
    url: str = ""  # e.g. http://tsa.example/tsr (from settings)
    cert: Path = Path()  # the TSA's certificate (PEM) the replies are checked against

    def stamp(self, data: bytes, http: httpx.Client) -> bytes:
        nonce = int.from_bytes(os.urandom(8), "big")
        r = http.post(
            self.url,
            content=timestamp_query(data, nonce),
            headers={"Content-Type": "application/timestamp-query"},
        )
        if r.status_code != 200:
            raise TimestampError(f"TSA {self.url} answered HTTP {r.status_code}")
        try:
            openssl_ts_verify(data, r.content, self.cert)
        except EvidenceError as e:
            raise TimestampError(f"TSA {self.url} reply does not verify: {e}") from e
        return r.content


def stamp_checkpoint(session: Session, log: EvidenceLog, tsa: Tsa, http: httpx.Client) -> bytes:
    """Timestamp the current checkpoint's text (once; later calls return the token).

    The text (origin, size, root) is stamped, not the signed note's bytes, so witness
    cosignatures added to the note later leave the token valid.
    """
    raw = log.checkpoint(session)
    row = session.get(CheckpointRow, log.size(session))
    assert row is not None  # checkpoint() just made it
    if row.timestamp is None:
        row.timestamp = tsa.stamp(note.parse_note(raw).text.encode("utf-8"), http)
        session.flush()
    return row.timestamp
