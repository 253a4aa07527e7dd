"""What every draw format shares: the commitment, the randomness fixed in advance, and
the HMAC-SHA256 stream of uniform integers (pure: no I/O, no clock).

key = HMAC-SHA256(seed, commitment ‖ beacon value); the stream is HMAC-SHA256(key,
counter ‖ "zhifang-draw"); a uniform integer below n is drawn by rejection on 64-bit
words (docs/hearings-draw.md says it in words anyone can re-implement).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from protocol.canonical import canonical_json

from .errors import HearingsError


class DrawError(HearingsError, ValueError):
    """A draw that cannot be committed or revealed as asked; says why."""


def commitment(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(record))).hexdigest()


def is_hex(s: str) -> bool:
    try:
        bytes.fromhex(s)
    except ValueError:
        return False
    return True


def check_source(seed_sha256: str | None, beacon: Mapping[str, Any] | None) -> None:
    """Refuse a draw whose randomness is not fixed before the commitment."""
    if not seed_sha256 and not beacon:
        raise DrawError("必须事先确定随机来源：种子的哈希，或公共信标的轮次")
    if seed_sha256 is not None and (len(seed_sha256) != 64 or not is_hex(seed_sha256)):
        raise DrawError("seed_sha256 应为 64 位十六进制")
    if beacon is not None and not (isinstance(beacon.get("round"), int) and beacon.get("source")):
        raise DrawError("公共信标须写明 source 与整数 round")


class Stream:
    """HMAC-SHA256 in counter mode: a deterministic stream of uniform integers."""

    def __init__(self, key: bytes) -> None:
        self.key, self.counter, self.buf = key, 0, b""

    def _bytes(self, n: int) -> bytes:
        while len(self.buf) < n:
            block = self.counter.to_bytes(8, "big") + b"zhifang-draw"
            self.buf += hmac.new(self.key, block, hashlib.sha256).digest()
            self.counter += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def below(self, n: int) -> int:
        """Uniform in [0, n) without modulo bias (rejection sampling on 64-bit draws)."""
        if n < 1:
            raise ValueError("n must be positive")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = int.from_bytes(self._bytes(8), "big")
            if x < limit:
                return x % n


def draw_key(record: Mapping[str, Any], seed_hex: str | None, beacon_value: str | None) -> bytes:
    """Check the reveal against the commit record and derive the stream key."""
    if record.get("seed_sha256"):
        if not seed_hex or not is_hex(seed_hex):
            raise DrawError("需要公布种子（十六进制）")
        if hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest() != record["seed_sha256"]:
            raise DrawError("公布的种子与事先承诺的哈希不符")
    elif seed_hex:
        raise DrawError("抽取时没有承诺种子，不能事后加入种子")
    if record.get("beacon"):
        if not beacon_value:
            raise DrawError(f"需要公共信标第 {record['beacon']['round']} 轮的值")
    elif beacon_value:
        raise DrawError("抽取时没有约定公共信标，不能事后加入信标值")
    msg = bytes.fromhex(commitment(record)) + (beacon_value or "").encode()
    return hmac.new(bytes.fromhex(seed_hex or ""), msg, hashlib.sha256).digest()
