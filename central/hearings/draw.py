"""The verifiable random draw of hearing officers (pure: no I/O, no clock).

1. **Commit.** The eligible candidates (after exclusions, each with its category), the
   people excluded and why, the quotas, and the source of randomness fixed in advance
   (``seed_sha256``: the SHA-256 of a secret seed, and/or a public beacon round) form
   the commit record; its canonical JSON's SHA-256 is the *commitment*, appended to
   the evidence log before anyone knows the randomness.
2. **Reveal.** The seed (checked against its hash) and/or the beacon round's value.
3. **Draw.** key = HMAC-SHA256(seed, commitment ‖ beacon value); an HMAC-SHA256
   counter-mode stream gives uniform integers by rejection sampling; within each
   category (sorted), a partial Fisher–Yates shuffle of the candidates (sorted by id)
   picks that category's quota, then an ordered reserve list.
Each candidate of category c is chosen with probability quota_c / n_c: the most equal
chances these quotas allow (docs/hearings-draw.md; Flanigan et al., Nature 2021).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from protocol.canonical import canonical_json

FORMAT = "zhifang-draw/1"
RESERVES = 2


class DrawError(ValueError):
    """A draw that cannot be committed or revealed as asked; says why."""


def commit_record(
    *,
    hearing_id: str,
    matter_id: str,
    candidates: Mapping[str, str],
    excluded: Mapping[str, str],
    quotas: Mapping[str, int],
    seed_sha256: str | None,
    beacon: Mapping[str, Any] | None,
    committed_at: str,
    rules: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``candidates``: id → category; ``excluded``: id → reason. Refuses a draw that
    cannot be filled or has no randomness fixed in advance."""
    if not seed_sha256 and not beacon:
        raise DrawError("必须事先确定随机来源：种子的哈希，或公共信标的轮次")
    if seed_sha256 is not None and (len(seed_sha256) != 64 or not _is_hex(seed_sha256)):
        raise DrawError("seed_sha256 应为 64 位十六进制")
    if beacon is not None and not (isinstance(beacon.get("round"), int) and beacon.get("source")):
        raise DrawError("公共信标须写明 source 与整数 round")
    for cat, q in quotas.items():
        have = sum(1 for c in candidates.values() if c == cat)
        if q < 1:
            raise DrawError(f"类别 {cat} 的名额应至少为 1")
        if have < q:
            raise DrawError(f"类别 {cat} 需要 {q} 人，排除后只有 {have} 名候选人")
    return {
        "format": FORMAT,
        "hearing_id": hearing_id,
        "matter_id": matter_id,
        "candidates": [{"id": i, "category": candidates[i]} for i in sorted(candidates)],
        "excluded": [{"id": i, "reason": excluded[i]} for i in sorted(excluded)],
        "rules": {"quotas": dict(sorted(quotas.items())), **(rules or {})},
        "seed_sha256": seed_sha256,
        "beacon": dict(beacon) if beacon else None,
        "committed_at": committed_at,
    }


def commitment(record: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(dict(record))).hexdigest()


def _is_hex(s: str) -> bool:
    try:
        bytes.fromhex(s)
    except ValueError:
        return False
    return True


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
        if not seed_hex or not _is_hex(seed_hex):
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


def select(
    record: Mapping[str, Any], seed_hex: str | None, beacon_value: str | None
) -> dict[str, Any]:
    """The draw itself: ``{"selected": [...], "reserves": {category: [...]}}``."""
    stream = Stream(draw_key(record, seed_hex, beacon_value))
    selected: list[str] = []
    reserves: dict[str, list[str]] = {}
    for cat, quota in sorted(record["rules"]["quotas"].items()):
        pool = sorted(c["id"] for c in record["candidates"] if c["category"] == cat)
        take = min(len(pool), quota + RESERVES)
        for i in range(take):  # partial Fisher–Yates: pool[:take] is a uniform sample
            j = i + stream.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        selected.extend(pool[:quota])
        reserves[cat] = pool[quota:take]
    return {"selected": selected, "reserves": reserves}


def verify(published: Mapping[str, Any]) -> list[str]:
    """Replay a published draw; the list of mismatches (empty: the draw is confirmed)."""
    problems: list[str] = []
    try:
        record = published["commit"]
        if record.get("format") != FORMAT:
            problems.append(f"未知格式 {record.get('format')!r}")
        got = commitment(record)
        if got != published["commitment"]:
            problems.append(
                f"承诺不符：记录的哈希为 {got}，公布的承诺为 {published['commitment']}"
                "（候选名单、规则或随机来源被改动）"
            )
        reveal = published["reveal"]
        result = select(record, reveal.get("seed"), reveal.get("beacon_value"))
    except DrawError as e:
        return [*problems, str(e)]
    except (KeyError, TypeError, ValueError) as e:
        return [*problems, f"记录不完整或格式错误：{e!r}"]
    stated = published.get("result", {})
    if result["selected"] != stated.get("selected"):
        problems.append(
            f"抽取结果不符：重算为 {result['selected']}，公布为 {stated.get('selected')}"
        )
    if result["reserves"] != stated.get("reserves"):
        problems.append("候补名单不符")
    problems.extend(_check_log(published))
    return problems


def _check_log(published: Mapping[str, Any]) -> list[str]:
    """If the record carries the evidence log's inclusion proof, check it."""
    from protocol import merkle

    ev = published.get("evidence")
    if not ev:
        return []
    try:
        leaf = merkle.hash_leaf(canonical_json(dict(published["commit"])))
        proof: Sequence[bytes] = [bytes.fromhex(p) for p in ev["proof"]]
        merkle.verify_inclusion(
            ev["leaf_index"], ev["tree_size"], leaf, proof, bytes.fromhex(ev["root"])
        )
    except (KeyError, ValueError) as e:  # ProofError is a ValueError
        return [f"承诺不在证据日志中（第 {ev.get('leaf_index')} 个叶子）：{e}"]
    return []
