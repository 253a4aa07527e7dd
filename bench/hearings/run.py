"""How long the hearing-officer lottery (zhifang-draw/2) takes, beside the /1 draw.

Cases, each on a synthetic registry (fixed seeds):
- realistic: 200 candidates, 3 features (category, region, gender), k = 7;
- largest allowed: 300 candidates (the limit), k = 15 (the limit), 4 features with
  many distinct feature combinations (the solver's hard case: ~240 "types").
For each: computing the leximin lottery (``panels.plan``: LP + integer programs, then
rounding), the draw itself (``select``: sampling and reserves), and verification
(``check`` without and with the re-solve). Baseline from the same run: the /1 draw
(category quotas only, per-category Fisher–Yates) on the same pool, commit + select.

    .venv/bin/python bench/hearings/run.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from central.hearings import draw as d
from central.hearings import panels as p
from protocol.canonical import canonical_json

SEED = "42" * 32
SEED_SHA = hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
CATS = ["community_rep", "lawyer", "npc_deputy", "cppcc_member", "legal_aid", "other"]


def realistic(n: int, k: int) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    rng = random.Random(1)
    regions = ["鼓楼", "台江", "仓山", "晋安", "马尾"]
    cands = {
        f"p{i:03d}": {
            "category": rng.choices(CATS, [6, 4, 3, 2, 1, 1])[0],
            "region": rng.choices(regions, [5, 3, 3, 2, 1])[0],
            "gender": rng.choice("mf"),
        }
        for i in range(n)
    }
    half = k // 2
    quotas = {
        "category": {"lawyer": [1, 3], "npc_deputy": [1, 2], "community_rep": [1, 3]},
        "region": {r: [1, 3] for r in regions[:3]},
        "gender": {"m": [half - 1, half + 1], "f": [half - 1, half + 1]},
    }
    return cands, quotas


def hardest(n: int, k: int) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    rng = random.Random(5)
    regions = [f"街道{i}" for i in range(12)]
    ages = ["20-29", "30-39", "40-49", "50-59", "60+"]
    cands = {
        f"p{i:03d}": {
            "category": rng.choice(CATS),
            "region": rng.choice(regions),
            "gender": rng.choice("mf"),
            "age": rng.choice(ages),
        }
        for i in range(n)
    }
    half = k // 2
    quotas = {
        "category": {c: [1, 3] for c in CATS[:4]},
        "region": {r: [0, 2] for r in regions},
        "gender": {"m": [half - 1, half + 1], "f": [half - 1, half + 1]},
        "age": {a: [1, half] for a in ages[:4]},
    }
    return cands, quotas


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def fmt(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:9.1f} ms   max {max(times) * 1000:9.1f} ms"


def case(name: str, cands: dict[str, dict[str, str]], quotas: dict[str, Any], k: int, r: int):
    types = len({tuple(sorted(f.items())) for f in cands.values()})
    print(f"\n{name}: {len(cands)} candidates, {len(quotas)} features, {types} types, k = {k}")
    # baseline: /1 on the same pool, the category quotas pinned at the panel's size
    v1_quotas = {"lawyer": 2, "npc_deputy": 2, "community_rep": k - 4}

    def v1() -> dict[str, Any]:
        rec = d.commit_record(
            hearing_id="h",
            matter_id="m",
            candidates={i: f["category"] for i, f in cands.items()},
            excluded={},
            quotas=v1_quotas,
            seed_sha256=SEED_SHA,
            beacon=None,
            committed_at="t",
        )
        return d.select(rec, SEED, None)

    t_v1, _ = timed(v1, max(r, 20))
    print(f"  baseline /1 commit + draw     {fmt(t_v1)}")
    rules = p.make_rules(k, quotas)
    t_plan, lot = timed(lambda: p.plan(cands, rules), r)
    print(f"  /2 lottery (leximin)          {fmt(t_plan)}")
    rec = p.commit_record(
        hearing_id="h",
        matter_id="m",
        candidates=cands,
        excluded={},
        panel_size=k,
        quotas=quotas,
        seed_sha256=SEED_SHA,
        beacon=None,
        committed_at="t",
        lottery=lot,
    )
    t_sel, res = timed(lambda: d.select(rec, SEED, None), max(r, 20))
    print(f"  /2 draw (sample + reserves)   {fmt(t_sel)}")
    pub = {
        "commit": rec,
        "commitment": d.commitment(rec),
        "reveal": {"seed": SEED, "beacon_value": None},
        "result": res,
    }
    t_ver, v = timed(lambda: d.check(pub), max(r, 5))
    assert not v.problems, v.problems
    print(f"  /2 verify (no re-solve)       {fmt(t_ver)}")
    t_res, v = timed(lambda: d.check(pub, resolve=True), r)
    assert not v.problems and not v.warnings, (v.problems, v.warnings)
    print(f"  /2 verify with re-solve       {fmt(t_res)}")
    size = len(canonical_json(rec))
    low = lot["min_chance"] / lot["denominator"]
    print(
        f"  lottery: {len(lot['panels'])} panels, min chance {low:.4%} "
        f"(k/n = {k / len(cands):.4%}), {len(lot['unreachable'])} unreachable; "
        f"commit record {size / 1024:.0f} KiB; reserves listed {len(res['reserves'])}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="lottery computations per case")
    args = ap.parse_args()
    case("realistic", *realistic(200, 7), k=7, r=args.repeat)
    case("largest allowed", *hardest(p.MAX_CANDIDATES, p.MAX_PANEL), k=p.MAX_PANEL, r=args.repeat)


if __name__ == "__main__":
    main()
