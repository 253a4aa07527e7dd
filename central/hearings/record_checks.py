"""The checks ``draw.check`` makes on what a published record adds to the draw itself
(pure: no I/O, no clock):

* the **beacon**: the round's drand signature, verified with drand quicknet's public key
  (``drand-verify``, when installed: the verifier says so when it is not) and the
  randomness derived from it compared with the one the draw used; the commitment's
  time compared with the round's publication time (a warning: it is central's clock).
  Records made before signatures were kept (randomness only) still verify as they
  did, with a note to check the value by hand;
* the **abandoned commitments** of the same hearing: each one's commit record hashes
  to its commitment, belongs to the same hearing, matches its published seed (when
  central held one) and, if the record carries proofs, is its evidence-log leaf under
  the same root as the revealed draw.

Each returns (problems, checked, warnings), as ``draw.Verification`` collects them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from protocol import merkle
from protocol.canonical import canonical_json

from . import beacon as bc
from .randomness import commitment, is_hex

Found = tuple[list[str], list[str], list[str]]


def _when(iso: str | None) -> str:
    """An ISO time of the record, as people read it (Beijing time)."""
    try:
        return bc.beijing(datetime.fromisoformat(str(iso)))
    except ValueError:
        return str(iso)


def _timing(record: Mapping[str, Any], round_: int) -> tuple[str, str]:
    """(warning, checked): was the commitment made before the round came out?"""
    out = bc.quicknet_time_of(round_)
    try:
        at = datetime.fromisoformat(str(record.get("committed_at")))
    except ValueError:
        return "承诺时间缺失或格式有误：无法与信标轮次的发布时间比较", ""
    if at.tzinfo is None:
        return "承诺时间不带时区：无法与信标轮次的发布时间比较", ""
    if at >= out:
        return (
            f"承诺时间 {bc.beijing(at)} 不早于信标第 {round_} 轮的发布时间 {bc.beijing(out)}："
            "承诺时该随机数可能已经公开",
            "",
        )
    return "", (
        f"承诺时间 {bc.beijing(at)} 早于信标第 {round_} 轮的发布时间 {bc.beijing(out)}"
        "（承诺时间是服务器的时钟，以证据日志检查点的时间戳为准）"
    )


def check_beacon(record: Mapping[str, Any], reveal: Mapping[str, Any]) -> Found:
    problems: list[str] = []
    checked: list[str] = []
    warnings: list[str] = []
    b = record.get("beacon")
    if not b:
        if reveal.get("beacon_signature"):
            problems.append("抽取时没有约定公共信标，记录却附有信标签名")
        return problems, checked, warnings
    source, round_ = b.get("source"), b.get("round")
    value, signature = reveal.get("beacon_value"), reveal.get("beacon_signature")
    checked.append(f"使用信标 {source} 第 {round_} 轮的随机数")
    if not signature:  # records made before signatures were kept: as they were checked
        url = bc.value_url(round_) if source == bc.QUICKNET and isinstance(round_, int) else ""
        checked.append(
            f"记录未附信标签名（较早的记录只有随机数）：未核验该轮随机数，请自行核对第 {round_} 轮"
            f"的随机数为 {value}{f'（{url}）' if url else ''}"
        )
        return problems, checked, warnings
    if source == bc.QUICKNET and isinstance(round_, int):
        problem, line = _timing(record, round_)
        (warnings if problem else checked).append(problem or line)
    if source != bc.QUICKNET or not isinstance(round_, int):
        warnings.append(f"无法核验信标 {source} 的签名：只支持 {bc.QUICKNET}")
    elif not bc.available():
        warnings.append(
            "本机未安装 drand-verify，未核验信标签名：pip install drand-verify 后重新核验"
        )
    else:
        try:
            derived = bc.randomness(round_, str(signature))
        except bc.BeaconError as e:
            problems.append(str(e))
        else:
            if derived != value:
                problems.append(f"信标随机数与签名不符：签名得出 {derived}，抽取使用的是 {value}")
            else:
                checked.append(
                    f"信标第 {round_} 轮的签名经 drand quicknet 公钥核验有效，"
                    "抽取使用的随机数正是由该签名得出"
                )
    return problems, checked, warnings


def _leaf(
    entry: Mapping[str, Any], evidence: Mapping[str, Any] | None
) -> tuple[str | None, str | None]:
    """(problem, checked) for an abandoned commitment's evidence-log leaf."""
    if not evidence or entry.get("proof") is None or entry.get("leaf_index") is None:
        return None, None
    try:
        leaf = merkle.hash_leaf(canonical_json(dict(entry["commit"])))
        proof: Sequence[bytes] = [bytes.fromhex(p) for p in entry["proof"]]
        merkle.verify_inclusion(
            entry["leaf_index"],
            evidence["tree_size"],
            leaf,
            proof,
            bytes.fromhex(evidence["root"]),
        )
    except (KeyError, TypeError, ValueError) as e:  # ProofError is a ValueError
        return f"不在证据日志中（第 {entry.get('leaf_index')} 个叶子）：{e}", None
    return None, f"是证据日志第 {entry['leaf_index']} 个叶子"


def check_abandoned(published: Mapping[str, Any]) -> Found:
    problems: list[str] = []
    checked: list[str] = []
    entries = published.get("abandoned")
    if entries is None:  # records made before abandonment was recorded
        return problems, checked, []
    if not isinstance(entries, list) or not all(isinstance(a, Mapping) for a in entries):
        return ["放弃的承诺（abandoned）应为对象的列表"], checked, []
    if not entries:
        checked.append("本听证没有放弃的承诺")
        return problems, checked, []
    hearing = published["commit"].get("hearing_id")
    for i, a in enumerate(entries, start=1):
        name = f"放弃的承诺 {i}（{str(a.get('commitment'))[:16]}…）"
        try:
            rec = a["commit"]
            got = commitment(rec)
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"{name}记录不完整：{e!r}")
            continue
        if got != a.get("commitment"):
            problems.append(f"{name}：其提交记录的哈希为 {got}，与列出的承诺不符")
            continue
        if rec.get("hearing_id") != hearing:
            problems.append(f"{name}不属于本听证（{rec.get('hearing_id')}）")
        if got == published.get("commitment"):
            problems.append(f"{name}就是公布结果的那次承诺")
        seed = a.get("seed")
        if seed is not None:
            if not isinstance(seed, str) or not is_hex(seed):
                problems.append(f"{name}公布的种子不是十六进制")
            elif hashlib.sha256(bytes.fromhex(seed)).hexdigest() != rec.get("seed_sha256"):
                problems.append(f"{name}公布的种子与其承诺的种子哈希不符")
        bad, leaf = _leaf(a, published.get("evidence"))
        if bad:
            problems.append(f"{name}{bad}")
        checked.append(
            f"{name}：{_when(a.get('committed_at'))} 承诺，{_when(a.get('abandoned_at'))} "
            f"由 {a.get('abandoned_by')} 放弃，理由：{a.get('reason')}；提交记录与承诺一致"
            + (f"，{leaf}" if leaf else "")
        )
    return problems, checked, []
