"""The lottery behind a ``zhifang-draw/2`` draw: a probability distribution over panels
that meet every quota, as fair as the quotas allow — LEXIMIN (Flanigan, Gölz, Gupta,
Hennig, Procaccia, Nature 596, 2021): maximise the smallest selection probability,
then the next smallest, and so on.

Candidates with the same feature values ("a type") are interchangeable, and the
leximin probabilities are unique, so they are equal within a type. The leximin stages
are therefore solved over *compositions* (how many of each type sit), by column
generation as in the paper: a master LP over the compositions found so far
(``scipy.optimize.linprog``, HiGHS; its dual tells which types are pinned at the
stage's optimum) and, for pricing, an integer program for the best new composition
under the quotas (``scipy.optimize.milp``). Each composition is then realised as
panels of named candidates with exactly the same per-candidate probabilities
(rotating windows over each type, see ``_realise``), and one more LP keeps a vertex:
at most (candidates + 1) panels.

Only committing a draw needs scipy; verifying one does not. Floats never leave this
module: ``integer_weights`` turns them into the integers that are committed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from .randomness import DrawError

EPS = 1e-9  # dual weights and reduced costs below this are solver noise
MAX_PRICING = 2000  # integer programs solved for one lottery before giving up

Quotas = Mapping[str, Mapping[str, Sequence[int]]]
Composition = tuple[int, ...]  # seats per type


@dataclass(frozen=True)
class Solution:
    panels: list[tuple[str, ...]]  # each sorted by id
    probabilities: list[float]  # one per panel, summing to 1
    unreachable: list[str]  # candidates no quota-meeting panel can include
    minimum: float  # the maximin value: the smallest probability of a reachable candidate
    pricing_rounds: int


class _Pricing:
    """The integer program over seats per type: sum = k, each (feature, value) between
    its min and max, 0 ≤ seats ≤ the type's size; maximise Σ weight·seats."""

    def __init__(self, types: list[dict[str, str]], sizes: np.ndarray, k: int, q: Quotas) -> None:
        rows: list[list[int]] = [list(range(len(types)))]
        lo, hi = [float(k)], [float(k)]
        for f, table in q.items():
            for v, (vmin, vmax) in table.items():
                rows.append([t for t, feats in enumerate(types) if feats[f] == v])
                lo.append(float(vmin))
                hi.append(float(vmax))
        indptr = np.cumsum([0, *(len(r) for r in rows)])
        indices = np.array([t for r in rows for t in r], dtype=np.int64)
        matrix = csr_array((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(types)))
        self.matrix, self.lo, self.hi = matrix, lo, hi
        self.sizes = sizes
        self.rounds = 0

    def best(self, weights: np.ndarray) -> Composition | None:
        """None when no composition meets the quotas."""
        x = self._solve(-weights, self.matrix, self.lo, self.hi, self.sizes)
        return None if x is None else tuple(round(float(v)) for v in x)

    def cover(self, wanted: list[int]) -> Composition | None:
        """A composition seating someone of as many ``wanted`` types as possible:
        indicators s_u ≤ seats_u, maximise Σ s_u."""
        nt, nw = len(self.sizes), len(wanted)
        link = np.zeros((nw, nt + nw))
        for j, t in enumerate(wanted):
            link[j, t], link[j, nt + j] = -1.0, 1.0
        matrix = np.vstack([np.hstack([self.matrix.toarray(), np.zeros((len(self.lo), nw))]), link])
        c = np.concatenate([np.zeros(nt), -np.ones(nw)])
        x = self._solve(
            c,
            matrix,
            [*self.lo, *[-np.inf] * nw],
            [*self.hi, *[0.0] * nw],
            np.concatenate([self.sizes, np.ones(nw)]),
        )
        return None if x is None else tuple(round(float(v)) for v in x[:nt])

    def _solve(
        self, c: np.ndarray, matrix: object, lo: list[float], hi: list[float], upper: np.ndarray
    ) -> np.ndarray | None:
        self.rounds += 1
        if self.rounds > MAX_PRICING:
            raise DrawError(f"计算抽签方案超过 {MAX_PRICING} 轮仍未完成：请减少特征或名额条件")
        res = milp(
            c,
            integrality=np.ones(len(c)),
            bounds=Bounds(0, upper.astype(float)),
            constraints=LinearConstraint(matrix, lo, hi),
            options={"mip_rel_gap": 0.0},
        )
        if res.status == 2:
            return None
        if res.x is None:
            raise DrawError(f"整数规划求解失败：{res.message}")
        x: np.ndarray = res.x
        return x


def leximin(
    candidates: Mapping[str, Mapping[str, str]],
    k: int,
    quotas: Quotas,
    *,
    stages: int | None = None,
) -> Solution:
    """The leximin lottery over panels of ``k`` of ``candidates`` (id → feature → value)
    meeting ``quotas`` (feature → value → [min, max]). ``stages=1`` stops after the
    maximin stage and returns no panels (what a verifier compares with)."""
    keys, members = _types(candidates)
    sizes = np.array([len(m) for m in members])
    pricing = _Pricing([dict(key) for key in keys], sizes, k, quotas)
    first = pricing.best(np.zeros(len(keys)))
    if first is None:
        raise DrawError("名额条件相互冲突：没有任何一组听证员能同时满足全部上下限，请放宽条件")
    comps: dict[Composition, None] = {first: None}  # an insertion-ordered set
    reach = _reachable(pricing, comps, len(keys))
    fixed, minimum = _fix_stages(pricing, comps, sizes, reach, k, stages)
    unreachable = sorted(i for t in range(len(keys)) if t not in reach for i in members[t])
    if stages is not None:
        return Solution([], [], unreachable, minimum, pricing.rounds)
    panels, probabilities = _panels(list(comps), members, sizes, reach, fixed)
    return Solution(
        panels=panels,
        probabilities=probabilities,
        unreachable=unreachable,
        minimum=minimum,
        pricing_rounds=pricing.rounds,
    )


def _types(
    candidates: Mapping[str, Mapping[str, str]],
) -> tuple[list[tuple[tuple[str, str], ...]], list[list[str]]]:
    """The candidates' types (their sorted feature values) in order, and each type's
    members, sorted by id."""
    by_type: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for i in sorted(candidates):
        by_type.setdefault(tuple(sorted(candidates[i].items())), []).append(i)
    keys = sorted(by_type)
    return keys, [by_type[key] for key in keys]


def _reachable(pricing: _Pricing, comps: dict[Composition, None], nt: int) -> list[int]:
    """Which types can sit at all: ask for the composition seating the most types not
    yet seen; when it seats none, no quota-meeting panel includes the rest. The
    compositions found are added to ``comps``."""
    while True:
        unseen = [t for t in range(nt) if not any(c[t] for c in comps)]
        c = pricing.cover(unseen) if unseen else None
        if c is None or not any(c[t] for t in unseen):
            break
        comps[c] = None
    return [t for t in range(nt) if any(c[t] for c in comps)]


def _fix_stages(
    pricing: _Pricing,
    comps: dict[Composition, None],
    sizes: np.ndarray,
    reach: list[int],
    k: int,
    stages: int | None,
) -> tuple[dict[int, float], float]:
    """The leximin stages: each maximises the smallest probability of the types not
    yet pinned (column generation over ``comps``), then pins the types at it. The
    probability of each type, and the first stage's value (the maximin)."""
    fixed: dict[int, float] = {}
    minimum = math.nan
    stage = 0
    while len(fixed) < len(reach) and (stages is None or stage < stages):
        stage += 1
        free = [t for t in reach if t not in fixed]
        while True:
            y, cap, value = _dual(list(comps), sizes, reach, fixed, free)
            c = pricing.best(y / sizes)
            if c is None or float(np.dot(y / sizes, c)) <= cap + EPS or c in comps:
                break
            comps[c] = None
        if stage == 1:
            minimum = value
        pinned = [t for t in free if y[t] > EPS] or [max(free, key=lambda t: y[t])]
        # Probabilities add up to k over everyone: when what is left for the free
        # types is exactly z each, none of them can get more, so all are pinned.
        left = k - sum(sizes[t] * f for t, f in fixed.items())
        if abs(left - value * sum(sizes[t] for t in free)) < 1e-9 * k:
            pinned = free
        for t in pinned:
            fixed[t] = max(0.0, value)
    return fixed, minimum


def _panels(
    order: list[Composition],
    members: list[list[str]],
    sizes: np.ndarray,
    reach: list[int],
    fixed: dict[int, float],
) -> tuple[list[tuple[str, ...]], list[float]]:
    """Named panels and their probabilities giving each candidate its type's
    probability: the compositions mixed, each realised, and a vertex kept."""
    columns = [[(j, c[t] / sizes[t]) for j, t in enumerate(reach) if c[t]] for c in order]
    q = _cover(columns, [fixed[t] for t in reach])
    weighted: dict[tuple[str, ...], float] = {}
    for c, qc in zip(order, q, strict=True):
        if qc > 0:
            for panel, share in _realise(c, members):
                weighted[panel] = weighted.get(panel, 0.0) + qc * share
    panels = list(weighted)
    ids = [i for t in reach for i in members[t]]
    pos = {i: j for j, i in enumerate(ids)}
    target = [fixed[t] for t in reach for _ in members[t]]
    p = _cover([[(pos[i], 1.0) for i in panel] for panel in panels], target)
    keep = [j for j in range(len(panels)) if p[j] > 0]
    return [panels[j] for j in keep], [p[j] for j in keep]


def _dual(
    comps: list[Composition],
    sizes: np.ndarray,
    reach: list[int],
    fixed: Mapping[int, float],
    free: list[int],
) -> tuple[np.ndarray, float, float]:
    """The dual of one leximin stage. Primal: max z over distributions on ``comps``
    with every free type's probability (seats / size) ≥ z and every fixed one's ≥ its
    value. Dual: min ŷ − Σ_fixed f_t·y_t s.t. Σ_free y_t = 1, Σ_t y_t·c_t/n_t ≤ ŷ for
    every composition c, y ≥ 0. Returns (y per type, ŷ, optimum = the stage's z)."""
    m = len(reach)
    c = np.zeros(m + 1)
    for j, t in enumerate(reach):
        c[j] = -fixed.get(t, 0.0)
    c[m] = 1.0
    share = np.asarray(comps, dtype=float)[:, reach] / sizes[reach]
    a_ub = np.hstack([share, -np.ones((len(comps), 1))])
    a_eq = np.zeros((1, m + 1))
    a_eq[0, [reach.index(t) for t in free]] = 1.0
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(len(comps)),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * m + [(None, None)],
        method="highs-ds",
    )
    if res.status != 0:
        raise DrawError(f"线性规划求解失败：{res.message}")
    y = np.zeros(len(sizes))
    y[reach] = res.x[:m]
    return y, float(res.x[m]), float(res.fun)


def _cover(columns: Sequence[Sequence[tuple[int, float]]], target: Sequence[float]) -> list[float]:
    """A distribution over the columns (each: (row, probability) pairs) giving every row
    at least its target less the smallest common slack ε. The simplex ends on a vertex,
    so at most (rows + 1) columns get a positive probability."""
    ncol, nrow = len(columns), len(target)
    rows, cols, vals = [], [], []
    for j, col in enumerate(columns):
        for r, v in col:
            rows.append(r)
            cols.append(j)
            vals.append(-v)
    a_ub = csr_array(
        (
            np.array(vals + [-1.0] * nrow),
            (np.array(rows + list(range(nrow))), np.array(cols + [ncol] * nrow)),
        ),
        shape=(nrow, ncol + 1),
    )
    a_eq = np.ones((1, ncol + 1))
    a_eq[0, ncol] = 0.0
    c = np.zeros(ncol + 1)
    c[ncol] = 1.0
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=-np.asarray(target, dtype=float),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=[(0, None)] * ncol + [(None, None)],
        method="highs-ds",
    )
    if res.status != 0:
        raise DrawError(f"线性规划求解失败：{res.message}")
    q = np.clip(res.x[:ncol], 0.0, None)
    q[q < EPS] = 0.0
    return [float(x) for x in q / q.sum()]


def _realise(comp: Composition, members: list[list[str]]) -> list[tuple[tuple[str, ...], float]]:
    """Panels of named candidates for one composition, each candidate of type t chosen
    with probability exactly c_t / n_t: u uniform in [0, 1) picks, in each type, the
    window of c_t consecutive members (cyclically, sorted by id) that starts at
    ⌊u·n_t⌋. Every start is equally likely and each member lies in c_t of the n_t
    windows. The u-intervals between breakpoints r/n_t give at most n panels."""
    # distinct fractions with denominators ≤ n differ by ≥ 1/n², far above float error
    cuts = {0.0, 1.0}
    for t, c in enumerate(comp):
        n = len(members[t])
        if 0 < c < n:
            cuts.update(r / n for r in range(1, n))
    edges = sorted(cuts)
    out = []
    for a, b in itertools.pairwise(edges):
        mid = (a + b) / 2
        panel: list[str] = []
        for t, c in enumerate(comp):
            n = len(members[t])
            start = math.floor(mid * n)
            panel.extend(members[t][(start + s) % n] for s in range(c))
        out.append((tuple(sorted(panel)), b - a))
    return out


def integer_weights(probabilities: Sequence[float], denominator: int) -> list[int]:
    """Integers summing exactly to ``denominator``, each within 1 of q·denominator:
    floors, then one more to the panels with the largest remainders (ties: the earlier
    panel). So a candidate's probability moves by less than (its panels) / denominator.
    A tiny q can round to 0; the caller drops those panels."""
    raw = [q * denominator for q in probabilities]
    out = [math.floor(x) for x in raw]
    short = denominator - sum(out)
    if not 0 <= short <= len(out):
        raise DrawError("抽签方案的概率之和不为 1")
    for j in sorted(range(len(raw)), key=lambda j: (out[j] - raw[j], j))[:short]:
        out[j] += 1
    return out
