"""The surge rule (pure): is today's count of receptions unusually high for this series?

Rule (stated once, used everywhere): for each scan window k in ``windows`` (default
1, 3 and 7 days) let ``x`` be the count of the last k days and ``b`` the count of the
``baseline_days`` (default 28) days before them. If the daily rate were unchanged
(counts Poisson with one rate), then given ``n = x + b`` the recent count is
``Binomial(n, k / (k + baseline_days))`` — the conditional test of two Poisson rates,
exact, with no rate to estimate. A window alarms when ``P(X >= x) < alpha / len(windows)``
and ``x >= min_count``; the day alarms when any window does (Bonferroni), so under a
steady Poisson rate the false-alarm probability is at most ``alpha`` per series per day
(lower in practice: the test is discrete and conservative). With ``alpha = 0.001`` and
30 series (townships + categories) that is at most one false alarm a month in all.
Counts that vary more than Poisson (weekday effects, campaigns) raise the false-alarm
rate: the service feeds working days only, and ``tests/central/awareness`` measures the rate.
The 1-day window catches a sudden jump; the 7-day window a sustained moderate rise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SurgeRule:
    alpha: float = 0.001
    baseline_days: int = 28
    windows: tuple[int, ...] = (1, 3, 7)
    min_count: int = 5

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        if self.baseline_days < 7 or not self.windows or min(self.windows) < 1:
            raise ValueError("baseline_days >= 7 and windows >= 1 day are required")

    @property
    def history_needed(self) -> int:
        """Days of counts before the day tested."""
        return self.baseline_days + max(self.windows) - 1


@dataclass(frozen=True, slots=True)
class SurgeFinding:
    index: int  # position of the day tested in the series
    window: int  # days summed
    observed: int  # count in the window
    expected: float  # what the baseline rate predicts for the window
    baseline: int  # count in the baseline days
    p_value: float


def binom_sf(x: int, n: int, p: float) -> float:
    """P(X >= x) for X ~ Binomial(n, p), summed from x up (terms past the mean shrink)."""
    if x <= 0:
        return 1.0
    if x > n:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(x + 1)
        - math.lgamma(n - x + 1)
        + x * math.log(p)
        + (n - x) * math.log1p(-p)
    )
    term = math.exp(log_term)
    total, k, ratio = term, x, p / (1 - p)
    while k < n:
        term *= (n - k) / (k + 1) * ratio
        k += 1
        total += term
        if term < total * 1e-15:
            break
    return min(total, 1.0)


def judge_day(counts: Sequence[int], index: int, rule: SurgeRule) -> SurgeFinding | None:
    """The strongest alarming window for day ``index`` (None: no alarm or too little history)."""
    if index < rule.history_needed or index >= len(counts):
        return None
    best: SurgeFinding | None = None
    level = rule.alpha / len(rule.windows)
    for k in rule.windows:
        x = sum(counts[index - k + 1 : index + 1])
        if x < rule.min_count:
            continue
        start = index - k + 1 - rule.baseline_days
        b = sum(counts[start : index - k + 1])
        share = k / (k + rule.baseline_days)
        expected = b * k / rule.baseline_days
        if x <= expected:  # cheap reject: not even above the baseline rate
            continue
        p = binom_sf(x, x + b, share)
        if p < level and (best is None or p < best.p_value):
            best = SurgeFinding(index, k, x, expected, b, p)
    return best


def scan(counts: Sequence[int], rule: SurgeRule, *, start: int = 0) -> list[SurgeFinding]:
    """Every alarming day from ``start`` on (each day judged on the data up to it)."""
    out = []
    for i in range(max(start, rule.history_needed), len(counts)):
        f = judge_day(counts, i, rule)
        if f is not None:
            out.append(f)
    return out
