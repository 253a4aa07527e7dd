"""The surge rule on synthetic series with known change points.

Bounds asserted (seeded, so the run is reproducible; the bounds leave room for any seed):
* no change, Poisson(5) for 365 days × 60 series: false alarms per series-day <= alpha;
* a jump 5 → 15 per day: every series alarms within 5 working days, >= 95 % within 2,
  median delay <= 1;
* a doubling 5 → 10: >= 95 % alarm within 30 working days, >= 85 % within 10, median <= 4;
* a doubling 20 → 40 on a busier series: all within 3 days, >= 95 % within 2, median 0.
(Measured over seeds 11-22: see docs/awareness.md.)
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from central.awareness.surge import SurgeRule, binom_sf, judge_day, scan

RULE = SurgeRule()


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def series(rng: random.Random, before: float, after: float, change: int, n: int) -> list[int]:
    return [poisson(rng, before if i < change else after) for i in range(n)]


def delays(
    before: float, after: float, runs: int, seed: int, horizon: int = 30
) -> list[int | None]:
    rng = random.Random(seed)
    out: list[int | None] = []
    change = 100
    for _ in range(runs):
        counts = series(rng, before, after, change, change + horizon)
        hits = scan(counts, RULE, start=change)
        out.append(hits[0].index - change if hits else None)
    return out


def test_binomial_tail_matches_exact_sum():
    for n, p, x in [(10, 0.3, 4), (50, 0.05, 7), (200, 1 / 29, 20), (5, 0.5, 0), (5, 0.5, 6)]:
        exact = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(max(x, 0), n + 1))
        assert binom_sf(x, n, p) == pytest.approx(exact, rel=1e-9, abs=1e-300)


def test_false_alarm_rate_under_no_change():
    rng = random.Random(7)
    alarms = days = 0
    for _ in range(60):
        counts = [poisson(rng, 5) for _ in range(365)]
        alarms += len(scan(counts, RULE))
        days += 365 - RULE.history_needed
    rate = alarms / days
    print(f"false alarms: {alarms} in {days} series-days = {rate:.5f} (alpha {RULE.alpha})")
    assert rate <= RULE.alpha


def test_a_tripling_is_caught_at_once():
    d = delays(5, 15, runs=100, seed=11)
    assert all(x is not None for x in d)
    got = [x for x in d if x is not None]
    print(f"5→15 delays: median {statistics.median(got)}, max {max(got)}")
    assert max(got) <= 5 and sum(x <= 2 for x in got) >= 95
    assert statistics.median(got) <= 1


def test_a_doubling_is_caught_within_days():
    d = delays(5, 10, runs=100, seed=12)
    got = [x for x in d if x is not None]
    caught = [x for x in got if x <= 10]
    print(f"5→10: {len(got)}/100 caught, {len(caught)} within 10 days")
    assert len(got) >= 95 and len(caught) >= 85 and statistics.median(got) <= 4


def test_a_busy_series_doubling_is_caught_within_days():
    d = delays(20, 40, runs=100, seed=13)
    got = [x for x in d if x is not None]
    assert len(got) == 100 and max(got) <= 3 and sum(x <= 2 for x in got) >= 95
    assert statistics.median(got) == 0


def test_too_little_history_or_too_few_visits_never_alarm():
    assert judge_day([0] * 10 + [50], 10, RULE) is None  # history shorter than the rule needs
    quiet = [0] * 40 + [4]
    assert judge_day(quiet, 40, RULE) is None  # below min_count, whatever the baseline
    burst = [0] * 40 + [6]
    hit = judge_day(burst, 40, RULE)
    assert hit is not None and hit.window == 1 and hit.observed == 6


def test_rule_parameters_are_checked():
    with pytest.raises(ValueError):
        SurgeRule(alpha=0)
    with pytest.raises(ValueError):
        SurgeRule(baseline_days=3)
