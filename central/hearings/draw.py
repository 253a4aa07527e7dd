"""The verifiable random draw of hearing officers (pure: no I/O, no clock).

Two formats, both verifiable forever by ``verify`` (it dispatches on ``format``):
``zhifang-draw/2`` (``panels``: panel size and quotas on several features, a committed
leximin lottery; every new draw) and ``zhifang-draw/1`` (below: quotas on the category
alone; kept so that records made with it still verify).

``zhifang-draw/1``:

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from protocol.canonical import canonical_json

from . import panels, record_checks
from .randomness import DrawError, Stream, check_source, commitment, draw_key, is_hex

__all__ = [
    "FORMAT",
    "FORMATS",
    "DrawError",
    "Stream",
    "Verification",
    "check",
    "commit_record",
    "commitment",
    "draw_key",
    "is_hex",
    "select",
    "verify",
]

FORMAT = "zhifang-draw/1"
FORMATS = (FORMAT, panels.FORMAT)
RESERVES = 2


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
    """A ``zhifang-draw/1`` record (new draws use ``panels.commit_record``).
    ``candidates``: id → category; ``excluded``: id → reason. Refuses a draw that
    cannot be filled or has no randomness fixed in advance."""
    check_source(seed_sha256, beacon)
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


def select(
    record: Mapping[str, Any], seed_hex: str | None, beacon_value: str | None
) -> dict[str, Any]:
    """The draw, for either format (``/1``: ``{"selected", "reserves": {category: [...]}}``;
    ``/2``: ``{"panel", "selected", "reserves": [...]}``)."""
    if record.get("format") == panels.FORMAT:
        return panels.select(record, seed_hex, beacon_value)
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


@dataclass
class Verification:
    """What ``check`` found: mismatches (any one fails the draw), what it checked, and
    warnings that do not fail it (a fresh solve finding a better lottery)."""

    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def verify(published: Mapping[str, Any], *, resolve: bool = False) -> list[str]:
    """Replay a published draw; the list of mismatches (empty: the draw is confirmed)."""
    return check(published, resolve=resolve).problems


def check(published: Mapping[str, Any], *, resolve: bool = False) -> Verification:
    """Recompute the commitment, check the committed lottery (``/2``), check the reveal
    against what was committed (the beacon's drand signature too), replay the draw and
    compare, check the evidence-log proof if the file carries one, and check every
    abandoned commitment it lists (``record_checks``); ``resolve`` also re-solves the
    ``/2`` lottery's maximin value with this machine's scipy (warnings only)."""
    v = Verification()
    try:
        record = published["commit"]
        fmt = record.get("format")
        if fmt not in FORMATS:
            v.problems.append(f"未知格式 {fmt!r}（可核验的格式：{'、'.join(FORMATS)}）")
            return v
        v.checked.append(f"格式 {fmt}")
        got = commitment(record)
        if got != published["commitment"]:
            v.problems.append(
                f"承诺不符：记录的哈希为 {got}，公布的承诺为 {published['commitment']}"
                "（候选名单、规则、抽签方案或随机来源被改动）"
            )
        else:
            v.checked.append(f"承诺 {got} = 提交记录规范 JSON 的 SHA-256")
        if fmt == panels.FORMAT:
            problems, checked = panels.check(record)
            v.problems.extend(problems)
            v.checked.extend(checked)
        reveal = published["reveal"]
        result = select(record, reveal.get("seed"), reveal.get("beacon_value"))
    except DrawError as e:
        v.problems.append(str(e))
        return v
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        v.problems.append(f"记录不完整或格式错误：{e!r}")
        return v
    if record.get("seed_sha256"):
        v.checked.append("公布的种子与事先承诺的哈希一致")
    for problems, checked, warnings in (
        record_checks.check_beacon(record, reveal),
        record_checks.check_abandoned(published),
    ):
        v.problems.extend(problems)
        v.checked.extend(checked)
        v.warnings.extend(warnings)
    stated = published.get("result", {})
    if result["selected"] != stated.get("selected"):
        v.problems.append(
            f"抽取结果不符：重算为 {result['selected']}，公布为 {stated.get('selected')}"
        )
    elif result.get("panel") != stated.get("panel"):
        v.problems.append(f"抽中的组合序号不符：重算为 {result.get('panel')}")
    else:
        where = f"抽中方案第 {result['panel']} 组，" if "panel" in result else ""
        v.checked.append(f"重放抽取：{where}{len(result['selected'])} 人与公布的一致")
    if result["reserves"] != stated.get("reserves"):
        v.problems.append("候补名单不符")
    else:
        n = (
            len(result["reserves"])
            if isinstance(result["reserves"], list)
            else sum(len(r) for r in result["reserves"].values())
        )
        v.checked.append(f"候补名单 {n} 人，顺序与公布的一致")
    log_problems, log_checked = _check_log(published)
    v.problems.extend(log_problems)
    v.checked.extend(log_checked)
    if resolve and fmt == panels.FORMAT and not v.problems:
        warnings, checked = panels.resolve(record)
        v.warnings.extend(warnings)
        v.checked.extend(checked)
    return v


def _check_log(published: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """If the record carries the evidence log's inclusion proof, check it."""
    from protocol import merkle

    ev = published.get("evidence")
    if not ev:
        return [], ["文件未附证据日志的包含证明：未核对"]
    try:
        leaf = merkle.hash_leaf(canonical_json(dict(published["commit"])))
        proof: Sequence[bytes] = [bytes.fromhex(p) for p in ev["proof"]]
        merkle.verify_inclusion(
            ev["leaf_index"], ev["tree_size"], leaf, proof, bytes.fromhex(ev["root"])
        )
    except (KeyError, ValueError) as e:  # ProofError is a ValueError
        return [f"承诺不在证据日志中（第 {ev.get('leaf_index')} 个叶子）：{e}"], []
    return [], [
        f"提交记录是证据日志第 {ev['leaf_index']} 个叶子（树大小 {ev['tree_size']}，"
        f"根 {ev['root'][:16]}…；请与日志签名的检查点核对）"
    ]
