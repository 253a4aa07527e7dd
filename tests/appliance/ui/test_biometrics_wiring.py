"""``zhifang appliance ui`` picks the desk's biometrics: the camera-backed hook when the
box config enables it and the checked models load, otherwise none, saying why."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from appliance.box import Box
from appliance.config import parse_config
from appliance.transport import MemoryTransport
from appliance.ui.cli import build_biometrics
from appliance.ui.hooks import NoBiometrics


def make_box(tmp: Path, *, enabled: bool = True, key: bool = True) -> Box:
    tmp.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"site": "minhou", "device": "desk-1", "data_dir": str(tmp / "box")}
    data["biometrics"] = {"enabled": enabled, "voice": False}
    if key:
        (tmp / "template.key").write_bytes(b"t" * 32)
        (tmp / "template.key").chmod(0o600)
        data["template_key_path"] = "template.key"
    return Box(parse_config(data, base_dir=tmp), transport=MemoryTransport())


@pytest.fixture
def frames_dir(tmp_path: Path) -> Path:
    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless not installed")
    import numpy as np

    d = tmp_path / "frames"
    d.mkdir()
    cv2.imwrite(str(d / "1.png"), np.full((120, 160, 3), 128, np.uint8))
    return d


@pytest.fixture
def boxes(tmp_path: Path) -> Iterator[list[Box]]:
    made: list[Box] = []
    yield made
    for b in made:
        b.stop()


def off_reason(bio: Any, caplog: pytest.LogCaptureFixture) -> str:
    assert isinstance(bio, NoBiometrics) and not bio.available
    assert bio.reason in caplog.text  # logged, not only kept
    return bio.reason


def test_off_unless_enabled_with_a_template_key(
    tmp_path: Path, boxes: list[Box], frames_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    boxes.append(make_box(tmp_path / "a", enabled=False))
    bio, cam = build_biometrics(boxes[-1], fake_hardware=True, fake_frames=frames_dir)
    assert "enabled is false" in off_reason(bio, caplog) and cam is None
    boxes.append(make_box(tmp_path / "b", key=False))
    bio, cam = build_biometrics(boxes[-1], fake_hardware=True, fake_frames=frames_dir)
    assert "template_key_path" in off_reason(bio, caplog)
    boxes.append(make_box(tmp_path / "c"))
    bio, cam = build_biometrics(boxes[-1], fake_hardware=True)
    assert "--fake-frames" in off_reason(bio, caplog)


def test_missing_face_model_falls_back_and_says_which(
    tmp_path: Path,
    boxes: list[Box],
    frames_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from appliance.identity.face import FaceEngine
    from models.registry import ModelHashMismatch

    def swapped(**kw: Any) -> Any:
        raise ModelHashMismatch("model sface: /x has sha256 00…, manifest expects fb14…")

    monkeypatch.setattr(FaceEngine, "load", staticmethod(swapped))
    caplog.set_level(logging.WARNING)
    boxes.append(make_box(tmp_path))
    bio, cam = build_biometrics(boxes[-1], fake_hardware=True, fake_frames=frames_dir)
    assert "sha256" in off_reason(bio, caplog) and cam is None


def test_fake_hardware_runs_the_real_models_on_image_files(
    tmp_path: Path, boxes: list[Box], frames_dir: Path
) -> None:
    from appliance.identity.biometrics import CameraBiometrics
    from appliance.identity.face import FaceEngine
    from models.registry import ModelError

    try:
        FaceEngine.load()
    except ModelError as e:
        pytest.skip(f"face models unavailable: {e}")
    boxes.append(make_box(tmp_path))
    bio, cam = build_biometrics(boxes[-1], fake_hardware=True, fake_frames=frames_dir)
    assert isinstance(bio, CameraBiometrics) and bio.camera is cam
    assert bio.service.store is boxes[-1].identity.store  # type: ignore[union-attr]
    assert not bio.voice_ready  # voice = false in this config
    bio.prepare(face=True, voice=False)
    r = bio.verify_officer("officer-7")
    assert r.outcome == "not_enrolled" and "PIN" in r.prompt
    cam.close()
