"""Pick the shipped thresholds and fusion fits on one half of the people, report on the other.

    .venv/bin/python bench/identity/calibrate.py [--datasets ../shared/datasets]

Prints one JSON line per step: the calibration figures (first half: ORL s1-s13,
FSDD george/jackson/lucas), then the fused chimeric evaluation on the second half with
the *shipped* ``FusionConfig`` (compare its fits with the calibration line).
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

import numpy as np

from appliance.identity.audio import read_wav
from appliance.identity.config import IdentityConfig
from appliance.identity.evaluate import (
    Half,
    Scores,
    face_embeddings,
    pair_scores,
    voice_scores,
    voice_utterances,
)
from appliance.identity.face import FaceEngine, pad_small
from appliance.identity.fusion import chimeric_scores, fit
from appliance.identity.metrics import eer, rates_at, threshold_at_far
from appliance.identity.voice import SpeakerEncoder


def face_half(root: Path, half: Half) -> Scores:
    eng = FaceEngine.load()

    def embed(img: np.ndarray) -> np.ndarray | None:
        r = eng.embed_frame(pad_small(img))
        return None if r is None else r[2]

    fs = face_embeddings(root / "faces", half, embed)
    return pair_scores(fs.labels, fs.embeddings)


def voice_half(root: Path, half: Half) -> Scores:
    enc = SpeakerEncoder.load()
    utts = voice_utterances(
        root / "voices",
        half,
        enc.speech,
        read_wav,
        probe_s=3.0,
    )
    embs = {s: [enc.embed_speech(u) for u in us] for s, us in utts.items()}
    return voice_scores(embs, 5)[0]


def main() -> int:
    warnings.simplefilter("ignore")
    ap = argparse.ArgumentParser()
    default = os.environ.get(
        "ZHIFANG_DATASETS", str(Path(__file__).parents[2] / "../shared/datasets")
    )
    ap.add_argument("--datasets", type=Path, default=Path(default))
    ap.add_argument("--pairs", type=int, default=200_000, help="chimeric pairs per class")
    a = ap.parse_args()
    f1, v1 = face_half(a.datasets, "first"), voice_half(a.datasets, "first")
    fg, fi = fit(f1.genuine, f1.impostor)
    vg, vi = fit(v1.genuine, v1.impostor)
    print(
        json.dumps(
            {
                "step": "calibrate (first half)",
                "face_threshold_at_far_0.1pct": round(threshold_at_far(f1.impostor, 0.001), 4),
                "voice_eer_threshold": round(eer(v1.genuine, v1.impostor)[1], 4),
                "voice_max_impostor": round(float(v1.impostor.max()), 4),
                "face_genuine": [round(x, 4) for x in fg],
                "face_impostor": [round(x, 4) for x in fi],
                "voice_genuine": [round(x, 4) for x in vg],
                "voice_impostor": [round(x, 4) for x in vi],
                "pairs": {
                    "face": [f1.genuine.size, f1.impostor.size],
                    "voice": [v1.genuine.size, v1.impostor.size],
                },
            }
        )
    )
    cfg = IdentityConfig().fusion
    f2, v2 = face_half(a.datasets, "second"), voice_half(a.datasets, "second")
    gen, imp = chimeric_scores(f2.genuine, f2.impostor, v2.genuine, v2.impostor, cfg, n=a.pairs)
    tar, far = rates_at(gen, imp, cfg.accept_llr)
    t_far = threshold_at_far(imp, 1e-4)
    print(
        json.dumps(
            {
                "step": "fused chimeric (second half, shipped config)",
                "source_pairs": {
                    "face": [f2.genuine.size, f2.impostor.size],
                    "voice": [v2.genuine.size, v2.impostor.size],
                },
                "chimeric_pairs": [gen.size, imp.size],
                "accept_llr": cfg.accept_llr,
                "tar_at_accept": round(tar, 6),
                "far_at_accept": far,
                "tar_at_far_0.01pct": round(rates_at(gen, imp, t_far)[0], 6),
                "face_only_tar_far": rates_at(
                    f2.genuine, f2.impostor, IdentityConfig().face.threshold
                ),
                "voice_only_tar_far": rates_at(
                    v2.genuine, v2.impostor, IdentityConfig().voice.threshold
                ),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
