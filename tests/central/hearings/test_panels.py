"""zhifang-draw/2: quotas on several features, a committed leximin lottery.

The fairness claims are checked against a deliberately naive reference (every panel
enumerated, one LP per candidate), against a case worked by hand where the naive
per-category method is unfair, and against 4,000 replayed draws."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import chi2

from central.hearings import draw as d
from central.hearings import panels as p

SEED = "11" * 32
SEED_SHA = hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
D = p.DENOMINATOR

# Worked by hand: 2 of category A and 2 of B, 2 from region X and 2 from Y. The only
# AX and the only BY sit together or not at all: t of each, 2 − t of AY and of BX.
HAND = {"ax": {"category": "A", "region": "X"}, "by": {"category": "B", "region": "Y"}}
HAND |= {f"ay{i}": {"category": "A", "region": "Y"} for i in range(5)}
HAND |= {f"bx{i}": {"category": "B", "region": "X"} for i in range(5)}
HAND_QUOTAS = {"category": {"A": [2, 2], "B": [2, 2]}, "region": {"X": [2, 2], "Y": [2, 2]}}


def record(
    candidates: dict[str, dict[str, str]] = HAND,
    k: int = 4,
    quotas: dict[str, Any] = HAND_QUOTAS,
    seed_sha: str | None = SEED_SHA,
    beacon: dict[str, Any] | None = None,
    lottery: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return p.commit_record(
        hearing_id="h2",
        matter_id="m2",
        candidates=candidates,
        excluded={"zz": "利害关系 matter:m2"},
        panel_size=k,
        quotas=quotas,
        seed_sha256=seed_sha,
        beacon=beacon,
        committed_at="2026-11-29T10:00:00+00:00",
        lottery=lottery,
    )


def published(rec: dict[str, Any], seed: str | None = SEED, beacon_value: str | None = None):
    return {
        "commit": rec,
        "commitment": d.commitment(rec),
        "reveal": {"seed": seed, "beacon_value": beacon_value},
        "result": d.select(rec, seed, beacon_value),
    }


def realistic(n: int, k: int, seed: int) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """A registry shaped like a district's: categories and regions of unequal sizes."""
    rng = random.Random(seed)
    cats = ["community_rep", "lawyer", "npc_deputy", "cppcc_member", "legal_aid"]
    regions = ["鼓楼", "台江", "仓山", "晋安"]
    cands = {
        f"p{i:03d}": {
            "category": rng.choices(cats, [6, 4, 3, 2, 1])[0],
            "region": rng.choices(regions, [5, 3, 2, 1])[0],
        }
        for i in range(n)
    }
    quotas = {
        "category": {"lawyer": [1, 2], "npc_deputy": [1, 2], "community_rep": [1, 3]},
        "region": {"鼓楼": [1, 2], "台江": [1, 2], "仓山": [1, 2], "晋安": [1, 2]},
    }
    return cands, quotas


# --- the reference: every panel enumerated, leximin by one LP per candidate ---------


def reference_leximin(cands: dict[str, dict[str, str]], k: int, quotas: dict[str, Any]):
    rules = p.make_rules(k, quotas)
    ids = sorted(cands)
    feasible = [c for c in combinations(ids, k) if not p.violations([cands[i] for i in c], rules)]
    if not feasible:
        return None
    a = np.array([[i in c for c in feasible] for i in ids], dtype=float)
    reach = [r for r in range(len(ids)) if a[r].any()]
    fixed: dict[int, float] = {}
    npan = len(feasible)
    while len(fixed) < len(reach):
        free = [r for r in reach if r not in fixed]

        def lp(objective: np.ndarray, floor: float | None) -> Any:
            # variables: panel probabilities, then z; rows: -(A q) + z ≤ 0 (free) …
            rows, rhs = [], []
            for r in reach:
                row = np.concatenate([-a[r], [0.0]])
                if r in fixed:
                    rows.append(row)
                    rhs.append(-fixed[r] + 1e-9)
                elif floor is None:
                    row[-1] = 1.0
                    rows.append(row)
                    rhs.append(0.0)
                else:
                    rows.append(row)
                    rhs.append(-floor + 1e-9)
            eq = np.concatenate([np.ones(npan), [0.0]])[None, :]
            return linprog(
                objective,
                A_ub=np.array(rows),
                b_ub=rhs,
                A_eq=eq,
                b_eq=[1.0],
                bounds=[(0, None)] * npan + [(None, None)],
                method="highs",
            )

        z = -lp(np.concatenate([np.zeros(npan), [-1.0]]), None).fun
        for r in free:
            best = -lp(np.concatenate([-a[r], [0.0]]), z).fun
            if best <= z + 1e-7:
                fixed[r] = z
    return {ids[r]: fixed.get(r, 0.0) for r in range(len(ids))}


def committed_chances(rec: dict[str, Any]) -> dict[str, float]:
    lot = rec["lottery"]
    return {i: c / lot["denominator"] for i, c in lot["chances"].items()}


# --- refusals and limits ------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "quotas", "words"),
    [
        (4, {"category": {"A": [7, 7]}}, "超过听证员人数"),
        (4, {"region": {"X": [2, 2], "Y": [3, 3]}}, "下限之和为 5"),
        (3, {"region": {"X": [3, 3]}, "category": {"B": [0, 1]}}, "名额条件相互冲突"),
        (4, {"region": {"X": [0, 1], "Y": [0, 1]}}, "最多只能选出 2 人"),
        (4, {"region": {"Q": [1, 2]}}, "Q 至少需要 1 人"),
        (4, {"region": {"X": [3, 1]}}, "下限 ≤ 上限"),
        (4, {"region": {"X": [1]}}, "两个整数"),
        (16, {"region": {"X": [1, 5]}}, "1 至 15"),
        (4, {f"f{i}": {"a": [0, 4]} for i in range(5)}, "最多涉及 4 个特征"),
    ],
)
def test_infeasible_or_oversized_rules_are_refused(k: int, quotas: dict[str, Any], words: str):
    with pytest.raises(d.DrawError, match=words):
        record(k=k, quotas=quotas)


def test_a_conflict_only_the_integer_program_sees_is_named() -> None:
    """Each count alone is fine (3 A, 3 X, mins sum ≤ 2), but no A is in X."""
    cands = {f"ay{i}": {"category": "A", "region": "Y"} for i in range(3)}
    cands |= {f"bx{i}": {"category": "B", "region": "X"} for i in range(3)}
    quotas = {"category": {"A": [2, 2]}, "region": {"X": [2, 2]}}
    with pytest.raises(d.DrawError, match=r"名额条件相互冲突.*请放宽条件"):
        record(cands, k=2, quotas=quotas)


def test_the_pool_size_limit_is_a_clear_error() -> None:
    cands = {f"p{i:03d}": {"region": "X"} for i in range(p.MAX_CANDIDATES + 1)}
    with pytest.raises(d.DrawError, match="301 名候选人，超过一次抽取可计算的上限 300 名"):
        record(cands, k=5, quotas={"region": {"X": [5, 5]}})


# --- what the lottery gives ---------------------------------------------------------


def test_overlapping_quotas_the_naive_way_is_unfair_and_ours_is_equal() -> None:
    """Per category, shuffle and take 2 (the /1 method): 100 of its 225 equally likely
    panels break the region quotas. Redrawing until they fit means a uniform pick among
    the 125 that fit: the lone AX (and BY) then sits with probability 25/125 = 0.20,
    each AY and BX with 45/125 = 0.36. As equal as the quotas allow: P(t = 1) = q gives
    AX q and AY 2/5 − q/5, equal at q = 1/3 — every one of the 12 gets 1/3."""
    ids = sorted(HAND)
    by_cat = {c: [i for i in ids if HAND[i]["category"] == c] for c in "AB"}
    naive = [a + b for a in combinations(by_cat["A"], 2) for b in combinations(by_cat["B"], 2)]
    fits = [x for x in naive if Counter(HAND[i]["region"] for i in x) == {"X": 2, "Y": 2}]
    assert (len(naive), len(fits)) == (225, 125)
    redraw = {i: sum(i in x for x in fits) / len(fits) for i in ids}
    assert redraw["ax"] == redraw["by"] == 0.2 and redraw["ay0"] == redraw["bx0"] == 0.36

    rec = record()
    chances = committed_chances(rec)
    assert all(abs(c - 1 / 3) < 1e-8 for c in chances.values()), chances
    assert rec["lottery"]["min_chance"] / D == pytest.approx(1 / 3, abs=1e-8)
    assert rec["lottery"]["unreachable"] == []
    assert d.verify(published(rec)) == []


@pytest.mark.parametrize("seed", range(6))
def test_leximin_matches_the_enumerating_reference(seed: int) -> None:
    rng = random.Random(seed)
    cands = {
        f"c{i}": {"category": rng.choice("ABC"), "region": rng.choice("XYZ")} for i in range(9)
    }
    k = rng.choice([3, 4])
    quotas = {"category": {"A": [1, 2], "B": [0, 2]}, "region": {"X": [1, 2], "Y": [0, 1]}}
    ref = reference_leximin(cands, k, quotas)
    if ref is None:
        with pytest.raises(d.DrawError):
            record(cands, k=k, quotas=quotas)
        return
    rec = record(cands, k=k, quotas=quotas)
    ours = committed_chances(rec)
    reach = [i for i in cands if ref[i] > 0]
    maximin = min(ref[i] for i in reach)
    assert rec["lottery"]["min_chance"] / D >= maximin - 1e-7
    assert all(ours[i] >= maximin - 1e-7 for i in reach)
    assert sorted(rec["lottery"]["unreachable"]) == sorted(i for i in cands if ref[i] == 0)
    diffs = {i: round(ours[i] - ref[i], 9) for i in cands if abs(ours[i] - ref[i]) > 1e-6}
    assert not diffs, (ref, ours)


def test_every_panel_meets_every_quota_and_weights_add_up() -> None:
    cands, quotas = realistic(60, 6, seed=3)
    rec = record(cands, k=6, quotas=quotas)
    lot, rules = rec["lottery"], rec["rules"]
    assert lot["panels"] and sum(x["weight"] for x in lot["panels"]) == D
    assert len(lot["panels"]) <= len(cands) + 1  # a vertex of the LP
    for panel in lot["panels"]:
        assert panel["weight"] >= 1 and len(set(panel["members"])) == 6
        assert p.violations([cands[i] for i in panel["members"]], rules) == []
    chances = p.chances_of(sorted(cands), [(x["members"], x["weight"]) for x in lot["panels"]])
    assert chances == lot["chances"]
    reach = [c for i, c in chances.items() if i not in lot["unreachable"]]
    assert min(reach) == lot["min_chance"] and sum(chances.values()) == 6 * D
    problems, checked = p.check(rec)
    assert problems == [] and any("满足全部上下限" in line for line in checked)
    # the maximin stage alone, solved afresh, finds nothing better
    warnings, _ = p.resolve(rec)
    assert warnings == []


def test_the_category_only_quotas_of_format_1_map_onto_format_2() -> None:
    """/1's quotas {lawyer: 2, npc: 1} as /2 rules: panel of 3, exactly those counts;
    the other categories cannot sit; each person's chance is quota / pool as before."""
    cands = {f"l{i}": {"category": "lawyer"} for i in range(4)}
    cands |= {f"n{i}": {"category": "npc_deputy"} for i in range(3)}
    cands |= {f"o{i}": {"category": "other"} for i in range(2)}
    rec = record(cands, k=3, quotas={"category": {"lawyer": [2, 2], "npc_deputy": [1, 1]}})
    chances = committed_chances(rec)
    assert rec["lottery"]["unreachable"] == ["o0", "o1"]
    for i, c in chances.items():
        want = {"l": 2 / 4, "n": 1 / 3, "o": 0.0}[i[0]]
        assert c == pytest.approx(want, abs=1e-8)
    res = d.select(rec, SEED, None)
    assert Counter(i[0] for i in res["selected"]) == {"l": 2, "n": 1}


# --- reserves -----------------------------------------------------------------------


def test_reserves_can_take_a_seat_without_breaking_a_quota() -> None:
    cands, quotas = realistic(40, 5, seed=8)
    rec = record(cands, k=5, quotas=quotas)
    rules = rec["rules"]
    for s in range(30):
        seed = s.to_bytes(32, "big").hex()
        rec["seed_sha256"] = hashlib.sha256(bytes.fromhex(seed)).hexdigest()
        res = d.select(rec, seed, None)
        panel, reserves = res["selected"], res["reserves"]
        assert not set(panel) & set(reserves) and len(set(reserves)) == len(reserves)
        counts = Counter((f, cands[m][f]) for m in panel for f in quotas)
        for m in panel:  # each seat: min(2, however many could take it) in the list
            could = [r for r in cands if r not in panel and p.swappable(m, r, counts, cands, rules)]
            listed = [r for r in reserves if p.swappable(m, r, counts, cands, rules)]
            assert len(listed) >= min(p.RESERVES, len(could))
        gone = panel[:2]
        swaps = p.replace_dropouts(rec, res, gone)
        after = [swaps.get(m) or m for m in panel]
        if all(swaps.values()):
            assert p.violations([cands[i] for i in after], rules) == []
            firsts = [r for r in reserves if r in swaps.values()]
            assert firsts == [x for x in reserves if x in firsts]  # taken in list order


# --- verification -------------------------------------------------------------------


BEACON = {"source": "drand:quicknet", "round": 123456}


def tamper(path: str, value: Any, *, recommit: bool = False) -> dict[str, Any]:
    pub = copy.deepcopy(published(record(beacon=BEACON), beacon_value="ab" * 48))
    node: Any = pub
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    node[int(last) if last.isdigit() else last] = value
    if recommit:  # a forger who also publishes a fresh commitment
        pub["commitment"] = d.commitment(pub["commit"])
    return pub


def test_an_honest_record_verifies() -> None:
    pub = published(record(beacon=BEACON), beacon_value="ab" * 48)
    v = d.check(pub, resolve=True)
    assert v.problems == [] and v.warnings == []
    text = "\n".join(v.checked)
    for words in (
        "承诺",
        "抽签方案",
        "权重",
        "入选概率",
        "种子",
        "信标",
        "重放抽取",
        "候补",
        "重新求解",
    ):
        assert words in text, text


@pytest.mark.parametrize(
    ("path", "value", "recommit", "words"),
    [
        ("commit.candidates.0.id", "a0", False, "承诺不符"),  # the candidate list
        ("commit.candidates.0.features.region", "Y", False, "承诺不符"),
        ("commit.candidates.0.features.region", "Y", True, "地区 X 有 1 人"),
        ("commit.rules.quotas.region.X", [1, 3], False, "承诺不符"),  # the quotas
        ("commit.rules.panel_size", 5, True, "人数为 4，应为 5"),
        ("commit.lottery.panels.0.weight", 1, False, "承诺不符"),  # the lottery's weights
        ("commit.lottery.panels.0.weight", 1, True, "权重之和"),
        ("commit.lottery.chances.ax", 0, True, "入选概率与权重不符"),
        ("commit.lottery.min_chance", 1, True, "最低入选概率"),
        ("commit.lottery.panels.0.members.0", "zz", True, "zz 不是合格候选人"),
        ("reveal.seed", "22" * 32, False, "种子与事先承诺的哈希不符"),  # the seed
        ("reveal.beacon_value", "cd" * 48, False, "抽取结果不符"),  # the beacon value
        ("reveal.beacon_value", None, False, "需要公共信标第 123456 轮的值"),
        ("result.selected.0", "ay4", False, "抽取结果不符"),
        ("result.reserves", [], False, "候补名单不符"),
        ("commit.format", "zhifang-draw/9", False, "未知格式"),
    ],
)
def test_any_change_is_named(path: str, value: Any, recommit: bool, words: str) -> None:
    problems = d.verify(tamper(path, value, recommit=recommit))
    assert problems and any(words in x for x in problems), problems


def test_a_valid_but_unfair_lottery_draws_a_warning_not_a_mismatch() -> None:
    """All weight on one panel is a lottery that meets every quota, so it verifies,
    but a fresh solve shows the committed minimum (0) is far from the optimum (1/3)."""
    rec = record()
    lot = rec["lottery"]
    only = lot["panels"][0]
    lot["panels"] = [{"members": only["members"], "weight": D}]
    lot["chances"] = {i: D if i in only["members"] else 0 for i in HAND}
    lot["min_chance"] = 0
    lot["unreachable"] = []
    pub = published(rec)
    assert d.verify(pub) == []
    v = d.check(pub, resolve=True)
    assert v.problems == [] and any("低于本机重新求解的最优值" in w for w in v.warnings)


def test_a_format_1_record_made_before_format_2_still_verifies() -> None:
    """tests/central/hearings/vectors/draw-v1.json was made by the /1 code as it stood."""
    pub = json.loads((Path(__file__).parent / "vectors" / "draw-v1.json").read_text("utf-8"))
    assert pub["commit"]["format"] == "zhifang-draw/1"
    v = d.check(pub, resolve=True)
    assert v.problems == [] and v.warnings == [], v
    pub["result"]["reserves"]["lawyer"].reverse()
    assert d.verify(pub) == ["候补名单不符"]


# --- fairness over many draws -------------------------------------------------------


def test_selection_frequencies_match_the_committed_chances() -> None:
    """4,000 draws (seeds 0…3,999) of one committed lottery. Each draw's 0/1 vector of
    who sits has mean p (the committed chances) and a covariance Σ known exactly from
    the panels and weights; with the counts O over N draws, (O − Np)ᵀ (NΣ)⁺ (O − Np) is
    chi-square with rank Σ degrees of freedom. Reject at 0.1 %."""
    cands, quotas = realistic(30, 5, seed=11)
    base = record(cands, k=5, quotas=quotas)
    lot = base["lottery"]
    assert len({c for c in lot["chances"].values() if c}) > 1  # unequal chances tested too
    ids = sorted(cands)
    n_draws = 4000
    counts: Counter[str] = Counter()
    for s in range(n_draws):
        seed = s.to_bytes(32, "big").hex()
        rec = dict(base, seed_sha256=hashlib.sha256(bytes.fromhex(seed)).hexdigest())
        counts.update(d.select(rec, seed, None)["selected"])
    x = np.array([[i in set(pn["members"]) for i in ids] for pn in lot["panels"]], dtype=float)
    w = np.array([pn["weight"] for pn in lot["panels"]], dtype=float) / lot["denominator"]
    mean = w @ x
    sigma = (x - mean).T @ ((x - mean) * w[:, None])
    dev = np.array([counts[i] for i in ids]) - n_draws * mean
    eig = np.linalg.eigvalsh(sigma)
    df = int((eig > 1e-10).sum())
    stat = float(dev @ np.linalg.pinv(sigma, rcond=1e-10, hermitian=True) @ dev) / n_draws
    crit = float(chi2.ppf(0.999, df))
    print(f"chi2 = {stat:.2f} on {df} df, critical value at 0.1 % = {crit:.2f}")
    assert stat < crit, f"chi2 = {stat:.2f} on {df} df ≥ {crit:.2f} (0.1 %)"
    sd = np.sqrt(n_draws * mean * (1 - mean))
    assert all(abs(dev[j]) <= 5 * sd[j] + 1e-9 for j in range(len(ids)))


def test_verifying_needs_no_solver(tmp_path: Path) -> None:
    """A verifier without numpy/scipy checks everything but the re-solve, and says so."""
    import subprocess
    import sys

    f = tmp_path / "draw.json"
    f.write_text(json.dumps(published(record()), ensure_ascii=False), encoding="utf-8")
    code = (
        "import sys, json; sys.modules['scipy'] = sys.modules['numpy'] = None\n"
        "from central.hearings import draw\n"
        f"v = draw.check(json.loads(open({str(f)!r}, encoding='utf-8').read()), resolve=True)\n"
        "print(v.problems, v.warnings); print(v.checked[-1])"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("[] []") and "未安装 scipy：跳过重新求解" in out, out
