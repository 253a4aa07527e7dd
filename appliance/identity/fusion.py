"""Face + voice score fusion: calibrated log-likelihood ratios summed, with a confidence.

Each modality's cosine becomes a log-likelihood ratio from Gaussian fits of its genuine
and impostor scores (fitted on calibration data, shipped in ``FusionConfig``); the two
are independent measurements, so their LLRs add. The confidence is the posterior
probability of "same person" at even prior odds. A missing modality adds nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from appliance.identity.config import FusionConfig

__all__ = ["FusedDecision", "chimeric_scores", "fit", "fuse", "llr"]

LLR_CLIP = 30.0  # Gaussian tails overstate certainty far from the data


def llr(score: float, genuine: tuple[float, float], impostor: tuple[float, float]) -> float:
    (mg, sg), (mi, si) = genuine, impostor

    def logpdf(x: float, m: float, s: float) -> float:
        return -0.5 * ((x - m) / s) ** 2 - math.log(s)

    v = logpdf(score, mg, sg) - logpdf(score, mi, si)
    # monotone outside the means: a Gaussian ratio can turn back in the tails
    if score >= mg:
        v = max(v, logpdf(mg, mg, sg) - logpdf(mg, mi, si))
    if score <= mi:
        v = min(v, logpdf(mi, mg, sg) - logpdf(mi, mi, si))
    return max(-LLR_CLIP, min(LLR_CLIP, v))


def fit(
    genuine: np.ndarray, impostor: np.ndarray
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(mean, std) of genuine and impostor scores, for ``FusionConfig``."""
    return (
        (float(np.mean(genuine)), float(np.std(genuine)) + 1e-3),
        (float(np.mean(impostor)), float(np.std(impostor)) + 1e-3),
    )


@dataclass(frozen=True)
class FusedDecision:
    accepted: bool
    llr: float
    confidence: float  # P(same person | scores) at even prior odds
    face_llr: float | None
    voice_llr: float | None


def fuse(face: float | None, voice: float | None, cfg: FusionConfig) -> FusedDecision:
    if face is None and voice is None:
        raise ValueError("no score to fuse")
    fl = None if face is None else llr(face, cfg.face_genuine, cfg.face_impostor)
    vl = None if voice is None else llr(voice, cfg.voice_genuine, cfg.voice_impostor)
    total = (fl or 0.0) + (vl or 0.0)
    conf = 1.0 / (1.0 + math.exp(-total))
    return FusedDecision(total >= cfg.accept_llr, total, conf, fl, vl)


def chimeric_scores(
    face_gen: np.ndarray,
    face_imp: np.ndarray,
    voice_gen: np.ndarray,
    voice_imp: np.ndarray,
    cfg: FusionConfig,
    *,
    n: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Fused genuine and impostor LLRs of ``n`` chimeric pairs each.

    Face and voice data come from different people, so a 'person' pairs a face score
    with a voice score of the same kind at random (the usual chimeric-user protocol;
    it assumes the two modalities' errors are independent).
    """
    rng = np.random.default_rng(seed)

    def draw(f: np.ndarray, v: np.ndarray) -> np.ndarray:
        fs = rng.choice(f, n)
        vs = rng.choice(v, n)
        fl = np.array([llr(x, cfg.face_genuine, cfg.face_impostor) for x in fs])
        vl = np.array([llr(x, cfg.voice_genuine, cfg.voice_impostor) for x in vs])
        return fl + vl

    return draw(face_gen, voice_gen), draw(face_imp, voice_imp)
