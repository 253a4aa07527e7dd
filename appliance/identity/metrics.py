"""Verification figures from genuine and impostor scores (pure numpy)."""

from __future__ import annotations

import numpy as np

__all__ = ["eer", "rates_at", "tar_at_far", "threshold_at_far"]


def threshold_at_far(impostor: np.ndarray, far: float) -> float:
    """Lowest threshold t with share(impostor >= t) <= far (accept when score >= t)."""
    imp = np.sort(np.asarray(impostor, dtype=np.float64))[::-1]
    if imp.size == 0:
        raise ValueError("no impostor scores")
    k = int(np.floor(far * imp.size))  # impostors allowed through
    if k >= imp.size:
        return float(imp[-1])
    return float(np.nextafter(imp[k], np.inf))


def rates_at(genuine: np.ndarray, impostor: np.ndarray, t: float) -> tuple[float, float]:
    """(TAR, FAR) when accepting scores >= t."""
    return float(np.mean(np.asarray(genuine) >= t)), float(np.mean(np.asarray(impostor) >= t))


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, far: float) -> float | None:
    """TAR at FAR ``far``; None when there are too few impostors to resolve that FAR."""
    if len(impostor) * far < 1:
        return None
    return rates_at(genuine, impostor, threshold_at_far(impostor, far))[0]


def eer(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(equal error rate, threshold at which it occurs)."""
    g = np.asarray(genuine, dtype=np.float64)
    i = np.asarray(impostor, dtype=np.float64)
    ts = np.unique(np.concatenate([g, i]))
    gs, is_ = np.sort(g), np.sort(i)
    frr = np.searchsorted(gs, ts, side="left") / g.size  # genuine < t rejected
    far = 1.0 - np.searchsorted(is_, ts, side="left") / i.size  # impostor >= t accepted
    j = int(np.argmin(np.abs(far - frr)))
    return float((far[j] + frr[j]) / 2), float(ts[j])
