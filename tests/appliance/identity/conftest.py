"""Shared fixtures: the real models and the real data sets (skipped where absent)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

# Without numpy nothing here can even be imported: collect only test_deps.py, which
# reports the skip with its reason (so it is never silent).
if importlib.util.find_spec("numpy") is None:
    collect_ignore_glob = ["test_[!d]*.py"]

REPO = Path(__file__).resolve().parents[3]


def datasets() -> Path:
    return Path(os.environ.get("ZHIFANG_DATASETS", REPO / ".." / "shared" / "datasets"))


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    d = datasets() / "faces"
    if not (d / "s1").is_dir():
        pytest.skip(f"ORL faces not found at {d} (set ZHIFANG_DATASETS)")
    return d


@pytest.fixture(scope="session")
def voices_dir() -> Path:
    d = datasets() / "voices"
    if not d.is_dir() or not any(d.glob("*.wav")):
        pytest.skip(f"FSDD voices not found at {d} (set ZHIFANG_DATASETS)")
    return d


@pytest.fixture(scope="session")
def face_engine() -> Any:
    pytest.importorskip("cv2", reason="opencv-python-headless not installed")
    from appliance.identity.face import FaceEngine
    from models.registry import ModelError

    try:
        return FaceEngine.load()
    except ModelError as e:
        pytest.skip(f"face models unavailable: {e}")


@pytest.fixture(scope="session")
def speaker_encoder() -> Any:
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    from appliance.identity.voice import SpeakerEncoder
    from models.registry import ModelError

    try:
        return SpeakerEncoder.load()
    except ModelError as e:
        pytest.skip(f"voice models unavailable (run `python -m models.build_resemblyzer`): {e}")


def read_face(faces_dir: Path, person: str, i: int) -> Any:
    import cv2

    from appliance.identity.face import pad_small

    img = cv2.imread(str(faces_dir / person / f"{i}.pgm"), cv2.IMREAD_COLOR)
    assert img is not None
    return pad_small(img)
