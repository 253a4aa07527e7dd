"""``zhifang-draw/2``: k hearing officers under quotas on several features at once
(category, region, …), drawn from a committed lottery (docs/hearings-draw.md).

1. **Rules.** Panel size k; per feature, {value: [min, max]}. A value a feature does
   not list is unconstrained.
2. **Lottery** (``plan``, needs scipy via ``lottery``): the leximin distribution over
   panels meeting the rules, rounded to integer weights over 2^32. The panels, their
   weights and each candidate's resulting chance go INTO the commit record, so the
   commitment covers the lottery as well as the candidates and the rules.
3. **Draw** (``select``, pure): with the HMAC stream of ``randomness``, r = below(2^32)
   picks the panel whose cumulative weight first exceeds r (panels in committed
   order); then an ordered reserve list (``_reserves``).
4. **Verify** (``check``, pure): everything above from the record alone.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from central.labels import HEARING_CATEGORY_ZH

from .randomness import DrawError, Stream, check_source, draw_key

FORMAT = "zhifang-draw/2"
DENOMINATOR = 2**32
RESERVES = 2  # compatible reserves sought for each seat
MAX_CANDIDATES = 300
MAX_PANEL = 15
MAX_FEATURES = 4
MAX_VALUES = 50  # per feature
RESOLVE_TOLERANCE = 1e-6  # committed minimum vs a fresh solve: solvers differ this much

# the registry's categories (``hearing_person.category``) as people read them
CATEGORY_LABELS = HEARING_CATEGORY_ZH
FEATURE_LABELS = {"category": "类别", "region": "地区"}
Features = Mapping[str, str]
Quotas = Mapping[str, Mapping[str, Sequence[int]]]


def _label(f: str) -> str:
    return FEATURE_LABELS.get(f, f)


def _value(f: str, v: str) -> str:
    """A feature value as people read it: 律师（lawyer）; a region is its own name."""
    zh = CATEGORY_LABELS.get(v) if f == "category" else None
    return f"{zh}（{v}）" if zh else v


def make_rules(panel_size: int, quotas: Quotas) -> dict[str, Any]:
    """The normalised rules ``{"panel_size": k, "quotas": {f: {v: [min, max]}}}``; refuses
    shapes beyond the sizes the solver is known to handle."""
    k = panel_size
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_PANEL:
        raise DrawError(f"听证员人数应为 1 至 {MAX_PANEL} 之间的整数，收到 {k!r}")
    if not quotas:
        raise DrawError("至少需要一个特征的名额条件")
    if len(quotas) > MAX_FEATURES:
        raise DrawError(f"名额条件最多涉及 {MAX_FEATURES} 个特征，收到 {len(quotas)} 个")
    out: dict[str, dict[str, list[int]]] = {}
    for f, table in sorted(quotas.items()):
        if not table:
            raise DrawError(f"{_label(f)}没有列出任何取值的上下限")
        if len(table) > MAX_VALUES:
            raise DrawError(f"{_label(f)}最多列出 {MAX_VALUES} 个取值，收到 {len(table)} 个")
        out[f] = {}
        for v, bounds in sorted(table.items()):
            if not (
                isinstance(bounds, list | tuple)
                and len(bounds) == 2
                and all(isinstance(x, int) and not isinstance(x, bool) for x in bounds)
            ):
                raise DrawError(f"{_label(f)} {_value(f, v)} 的名额应写成 [下限, 上限] 两个整数")
            lo, hi = bounds
            if not 0 <= lo <= hi:
                raise DrawError(
                    f"{_label(f)} {_value(f, v)} 的名额 [{lo}, {hi}] 无效：应满足 0 ≤ 下限 ≤ 上限"
                )
            if lo > k:
                raise DrawError(f"{_label(f)} {_value(f, v)} 至少 {lo} 人，超过听证员人数 {k}")
            out[f][v] = [lo, min(hi, k)]
    return {"panel_size": k, "quotas": out}


def check_pool(candidates: Mapping[str, Features], rules: Mapping[str, Any]) -> None:
    """Refuse, with the reason, a pool that is too large or cannot meet the rules on
    counting alone (the lottery's integer program catches the rest)."""
    k, quotas = rules["panel_size"], rules["quotas"]
    n = len(candidates)
    if n > MAX_CANDIDATES:
        raise DrawError(
            f"排除后有 {n} 名候选人，超过一次抽取可计算的上限 {MAX_CANDIDATES} 名："
            "请先缩小名册范围（如按地区）再抽取"
        )
    if n < k:
        raise DrawError(f"排除后只有 {n} 名候选人，不足听证员人数 {k}")
    for f, table in quotas.items():
        missing = [i for i, feats in candidates.items() if f not in feats]
        if missing:
            raise DrawError(f"候选人 {missing[0]} 缺少{_label(f)}")
        have = Counter(feats[f] for feats in candidates.values())
        for v, (lo, _hi) in table.items():
            if have[v] < lo:
                raise DrawError(
                    f"{_label(f)} {_value(f, v)} 至少需要 {lo} 人，排除后只有 {have[v]} 名候选人"
                )
        floor = sum(lo for lo, _hi in table.values())
        if floor > k:
            raise DrawError(f"{_label(f)}各取值的下限之和为 {floor}，超过听证员人数 {k}")
        room = sum(min(table[v][1], c) if v in table else c for v, c in have.items())
        if room < k:
            raise DrawError(f"按{_label(f)}的上限最多只能选出 {room} 人，不足听证员人数 {k}")


def violations(panel: Sequence[Features], rules: Mapping[str, Any]) -> list[str]:
    """How ``panel`` (each member's features) breaks the rules; empty when it meets them."""
    out = []
    if len(panel) != rules["panel_size"]:
        out.append(f"人数为 {len(panel)}，应为 {rules['panel_size']}")
    for f, table in rules["quotas"].items():
        have = Counter(m[f] for m in panel)
        for v, (lo, hi) in table.items():
            if not lo <= have[v] <= hi:
                out.append(f"{_label(f)} {_value(f, v)} 有 {have[v]} 人，应在 {lo} 至 {hi} 之间")
    return out


def plan(candidates: Mapping[str, Features], rules: Mapping[str, Any]) -> dict[str, Any]:
    """The committed lottery: leximin panels with integer weights over 2^32, each
    candidate's chance (numerator over the same denominator), the smallest chance of
    anyone who can sit, and who cannot sit at all under these rules."""
    try:  # the solver needs scipy, an optional dependency (the `central` extra)
        import scipy

        from . import lottery
    except ImportError as e:  # central is installed with the `central` extra
        raise DrawError(
            f"服务器缺少求解器（{e.name}），无法计算抽签方案：请安装 zhifang[central]"
        ) from e
    check_pool(candidates, rules)
    sol = lottery.leximin(candidates, rules["panel_size"], rules["quotas"])
    weights = lottery.integer_weights(sol.probabilities, DENOMINATOR)
    panels = sorted((p, w) for p, w in zip(sol.panels, weights, strict=True) if w > 0)
    chances = chances_of(sorted(candidates), [(list(p), w) for p, w in panels])
    reachable = [chances[i] for i in candidates if i not in set(sol.unreachable)]
    if min(reachable) == 0:
        raise DrawError("抽签方案中有人的入选概率低于 2^-32，无法记录：请放宽名额条件")
    return {
        "method": "leximin",
        "solver": f"scipy {scipy.__version__} HiGHS",
        "denominator": DENOMINATOR,
        "panels": [{"members": list(p), "weight": w} for p, w in panels],
        "chances": chances,
        "min_chance": min(reachable),
        "unreachable": sol.unreachable,
    }


def chances_of(ids: Sequence[str], panels: Sequence[tuple[Sequence[str], int]]) -> dict[str, int]:
    """Each candidate's chance: the total weight of the panels holding them."""
    out = dict.fromkeys(ids, 0)
    for members, w in panels:
        for i in members:
            out[i] += w
    return out


def commit_record(
    *,
    hearing_id: str,
    matter_id: str,
    candidates: Mapping[str, Features],
    excluded: Mapping[str, str],
    panel_size: int,
    quotas: Quotas,
    seed_sha256: str | None,
    beacon: Mapping[str, Any] | None,
    committed_at: str,
    rules: Mapping[str, Any] | None = None,
    lottery: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``candidates``: id → feature → value (only the features the quotas name are
    kept); ``excluded``: id → reason; ``rules``: extra rule fields recorded as given;
    ``lottery``: a ``plan`` already computed for these candidates and rules."""
    check_source(seed_sha256, beacon)
    base = make_rules(panel_size, quotas)
    feats = {i: {f: candidates[i].get(f, "") for f in base["quotas"]} for i in candidates}
    check_pool(feats, base)
    return {
        "format": FORMAT,
        "hearing_id": hearing_id,
        "matter_id": matter_id,
        "candidates": [{"id": i, "features": feats[i]} for i in sorted(feats)],
        "excluded": [{"id": i, "reason": excluded[i]} for i in sorted(excluded)],
        "rules": {**(rules or {}), **base},
        "lottery": dict(lottery) if lottery is not None else plan(feats, base),
        "seed_sha256": seed_sha256,
        "beacon": dict(beacon) if beacon else None,
        "committed_at": committed_at,
    }


def select(
    record: Mapping[str, Any], seed_hex: str | None, beacon_value: str | None
) -> dict[str, Any]:
    """The draw: ``{"panel": index, "selected": [...], "reserves": [...]}``."""
    stream = Stream(draw_key(record, seed_hex, beacon_value))
    lot = record["lottery"]
    r = stream.below(lot["denominator"])
    cumulative = list(itertools.accumulate(p["weight"] for p in lot["panels"]))
    if not cumulative or cumulative[-1] <= r:
        raise DrawError("抽签方案的权重之和小于分母")
    index = bisect.bisect_right(cumulative, r)  # the first panel whose running sum > r
    selected = list(lot["panels"][index]["members"])
    return {"panel": index, "selected": selected, "reserves": _reserves(record, selected, stream)}


def _features(record: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    return {c["id"]: c["features"] for c in record["candidates"]}


def swappable(
    out: str,
    into: str,
    counts: Counter[tuple[str, str]],
    feats: Mapping[str, Features],
    rules: Mapping[str, Any],
) -> bool:
    """Does the panel with feature counts ``counts`` still meet every quota when
    ``into`` takes ``out``'s seat? (Only the two people's values change.)"""
    for f, table in rules["quotas"].items():
        a, b = feats[out][f], feats[into][f]
        if a == b:
            continue
        if a in table and counts[(f, a)] - 1 < table[a][0]:
            return False
        if b in table and counts[(f, b)] + 1 > table[b][1]:
            return False
    return True


def _counts(
    panel: Sequence[str], feats: Mapping[str, Features], rules: Mapping[str, Any]
) -> Counter[tuple[str, str]]:
    return Counter((f, feats[m][f]) for m in panel for f in rules["quotas"])


def _reserves(record: Mapping[str, Any], panel: list[str], stream: Stream) -> list[str]:
    """An ordered reserve list: the candidates not on the panel (and not unreachable),
    sorted by id, shuffled by a partial Fisher–Yates on the same stream, cut as soon as
    every seat has RESERVES reserves who could take it without breaking a quota (or
    as many as exist)."""
    feats, rules = _features(record), record["rules"]
    gone = set(panel) | set(record["lottery"]["unreachable"])
    pool = sorted(i for i in feats if i not in gone)
    counts = _counts(panel, feats, rules)
    need = {
        m: min(RESERVES, sum(swappable(m, r, counts, feats, rules) for r in pool)) for m in panel
    }
    out: list[str] = []
    for i in range(len(pool)):
        if not any(need.values()):
            break
        j = i + stream.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
        out.append(pool[i])
        for m in panel:
            if need[m] and swappable(m, pool[i], counts, feats, rules):
                need[m] -= 1
    return out


def replace_dropouts(
    record: Mapping[str, Any], result: Mapping[str, Any], dropouts: Sequence[str]
) -> dict[str, str | None]:
    """Who takes each dropout's seat, in the order the dropouts are reported: the first
    unused reserve whose swap keeps every quota for the panel as it stands; None when
    no reserve does (that seat needs a new draw)."""
    feats, rules = _features(record), record["rules"]
    panel = list(result["selected"])
    out: dict[str, str | None] = {}
    for d in dropouts:
        if d not in panel:
            raise DrawError(f"{d} 不在抽中的名单上")
        counts = _counts(panel, feats, rules)
        pick = next(
            (
                r
                for r in result["reserves"]
                if r not in panel
                and r not in out.values()
                and swappable(d, r, counts, feats, rules)
            ),
            None,
        )
        out[d] = pick
        if pick is not None:
            panel[panel.index(d)] = pick
    return out


def check(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Check the committed lottery from the record alone: (problems, what was checked)."""
    problems: list[str] = []
    rules, lot = record["rules"], record["lottery"]
    k = rules["panel_size"]
    try:
        if make_rules(k, rules["quotas"]) != {"panel_size": k, "quotas": rules["quotas"]}:
            problems.append("名额条件不是规范形式")
    except DrawError as e:
        problems.append(f"名额条件无效：{e}")
    ids = [c["id"] for c in record["candidates"]]
    feats = _features(record)
    if ids != sorted(set(ids)):
        problems.append("候选人名单应按编号排序且不重复")
    if set(ids) & {e["id"] for e in record["excluded"]}:
        problems.append("有人同时在候选人和被排除名单上")
    for i, f in feats.items():
        if set(f) != set(rules["quotas"]):
            problems.append(f"候选人 {i} 的特征与名额条件涉及的特征不一致")
    denominator = lot["denominator"]
    seen: set[tuple[str, ...]] = set()
    bad_panels = 0
    for n, p in enumerate(lot["panels"]):
        members, w = p["members"], p["weight"]
        key = tuple(members)
        why = []
        if list(key) != sorted(set(key)):
            why.append("成员应按编号排序且不重复")
        if key in seen:
            why.append("与前面的组合重复")
        seen.add(key)
        strangers = [m for m in members if m not in feats]
        if strangers:
            why.append(f"{strangers[0]} 不是合格候选人")
        else:
            why.extend(violations([feats[m] for m in members], rules))
        if not isinstance(w, int) or isinstance(w, bool) or w < 1:
            why.append(f"权重 {w!r} 应为正整数")
        if why:
            bad_panels += 1
            problems.append(f"抽签方案第 {n} 组：{'；'.join(why)}")
    total = sum(p["weight"] for p in lot["panels"] if isinstance(p["weight"], int))
    if total != denominator:
        problems.append(f"权重之和为 {total}，应等于分母 {denominator}")
    if not bad_panels:
        chances = chances_of(ids, [(p["members"], p["weight"]) for p in lot["panels"]])
        if chances != lot["chances"]:
            wrong = sorted(i for i in ids if lot["chances"].get(i) != chances[i])
            problems.append(f"公布的入选概率与权重不符（{len(wrong)} 人，如 {wrong[:3]}）")
    unreachable = set(lot["unreachable"])
    if not unreachable <= set(ids) or any(lot["chances"].get(i) for i in unreachable):
        problems.append("“不可能入选”的名单与概率不符")
    reach = [lot["chances"].get(i, 0) for i in ids if i not in unreachable]
    if not reach or min(reach) != lot["min_chance"]:
        problems.append(f"公布的最低入选概率 {lot['min_chance']} 与各人的概率不符")
    lo = min(reach, default=0) / denominator
    hi = max(reach, default=0) / denominator
    quota_text = "、".join(
        f"{_label(f)}（{'，'.join(f'{v} {a}–{b}' for v, (a, b) in t.items())}）"
        for f, t in rules["quotas"].items()
    )
    checked = [
        f"候选人 {len(ids)} 名，排除 {len(record['excluded'])} 名；听证员 {k} 人",
        f"名额：{quota_text}",
        f"抽签方案 {len(lot['panels'])} 组：每组均为 {k} 名不同的合格候选人，满足全部上下限",
        f"权重均为正整数，合计 {total}（分母 {denominator}）",
        f"每人入选概率与权重一致：可入选者最低 {lo:.4%}、最高 {hi:.4%}；"
        f"{len(unreachable)} 人在任何满足条件的组合中都不能入选",
    ]
    return problems, checked


def resolve(record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Re-solve the maximin stage with this machine's scipy, if any: (warnings, what
    was checked). Not a mismatch: solvers differ by their tolerances."""
    try:  # lottery imports scipy, an optional dependency (the `central` extra)
        from . import lottery
    except ImportError:
        return [], ["未安装 scipy：跳过重新求解最优的最低入选概率"]
    rules, lot = record["rules"], record["lottery"]
    try:
        sol = lottery.leximin(_features(record), rules["panel_size"], rules["quotas"], stages=1)
    except DrawError as e:
        return [f"本机重新求解失败：{e}"], []
    committed = lot["min_chance"] / lot["denominator"]
    warnings = []
    if committed < sol.minimum - RESOLVE_TOLERANCE:
        warnings.append(
            f"承诺的最低入选概率 {committed:.6%} 低于本机重新求解的最优值 {sol.minimum:.6%}"
        )
    if set(sol.unreachable) != set(lot["unreachable"]):
        warnings.append(
            f"本机求得不能入选者 {sorted(sol.unreachable)}，与承诺的 {lot['unreachable']} 不同"
        )
    return warnings, [f"重新求解：最优的最低入选概率 {sol.minimum:.6%}，承诺为 {committed:.6%}"]
