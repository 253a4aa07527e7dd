"""Verification figures and score fusion on known numbers."""

from __future__ import annotations

import numpy as np
import pytest

from appliance.identity.config import FusionConfig
from appliance.identity.evaluate import pair_scores, pick_half
from appliance.identity.fusion import chimeric_scores, fuse, llr
from appliance.identity.metrics import eer, rates_at, tar_at_far, threshold_at_far


def test_threshold_at_far_lets_through_at_most_that_share() -> None:
    imp = np.arange(1000) / 1000.0  # 0.000 .. 0.999
    t = threshold_at_far(imp, 0.01)
    assert np.mean(imp >= t) <= 0.01
    assert np.mean(imp >= t - 0.0015) > 0.01


def test_tar_and_eer_on_separable_and_overlapping_scores() -> None:
    gen = np.linspace(0.6, 1.0, 200)
    imp = np.linspace(0.0, 0.5, 2000)
    assert tar_at_far(gen, imp, 0.001) == 1.0
    assert eer(gen, imp)[0] == 0.0
    gen2 = np.linspace(0.4, 1.0, 100)
    imp2 = np.linspace(0.0, 0.6, 100)
    e, t = eer(gen2, imp2)
    assert e == pytest.approx(1 / 6, abs=0.02) and 0.45 < t < 0.55
    assert tar_at_far(gen, imp[:500], 0.001) is None  # 500 impostors cannot show 0.1%
    assert rates_at(gen2, imp2, 0.5) == pytest.approx((10 / 12, 1 / 6), abs=0.02)


def test_pairs_and_halves() -> None:
    e = np.eye(3, dtype=np.float32)
    s = pair_scores(["a", "a", "b"], np.stack([e[0], e[0], e[1]]))
    assert s.genuine.tolist() == [1.0] and s.impostor.tolist() == [0.0, 0.0]
    people = [f"s{i}" for i in range(1, 26)]
    assert pick_half(people, "first")[-1] == "s13" and pick_half(people, "second")[0] == "s14"


def test_fusion_accepts_agreeing_scores_and_gives_confidence() -> None:
    cfg = FusionConfig()
    both = fuse(0.8, 0.93, cfg)
    assert both.accepted and both.confidence > 0.999
    assert not fuse(0.1, 0.65, cfg).accepted
    face_only = fuse(0.8, None, cfg)
    assert face_only.voice_llr is None and face_only.llr == both.face_llr
    # a face that matches but a voice that clearly does not: doubt wins
    assert fuse(0.45, 0.55, cfg).llr < fuse(0.45, None, cfg).llr
    assert llr(0.99, cfg.face_genuine, cfg.face_impostor) >= llr(
        0.8, cfg.face_genuine, cfg.face_impostor
    )
    with pytest.raises(ValueError):
        fuse(None, None, cfg)


def test_chimeric_scores_separate_classes() -> None:
    rng = np.random.default_rng(0)
    g, i = chimeric_scores(
        rng.normal(0.8, 0.1, 50),
        rng.normal(0.1, 0.1, 500),
        rng.normal(0.92, 0.02, 50),
        rng.normal(0.65, 0.05, 500),
        FusionConfig(),
        n=2000,
    )
    assert np.mean(g >= 4) > 0.99 and np.mean(i >= 4) < 0.001
