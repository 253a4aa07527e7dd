"""Liveness: a still image fed as video is refused; a real head turn passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from appliance.identity.config import LivenessConfig
from appliance.identity.liveness import Challenge, evaluate, observe

from .conftest import read_face

CFG = LivenessConfig()


def _still_video(frame: np.ndarray, n: int = 12, seed: int = 0) -> list[np.ndarray]:
    """The same photo, as a camera would see it: sensor noise and a little hand shake."""
    import cv2

    rng = np.random.default_rng(seed)
    h, w = frame.shape[:2]
    out = []
    for _ in range(n):
        m = np.array([[1, 0, rng.uniform(-3, 3)], [0, 1, rng.uniform(-3, 3)]], np.float32)
        moved = cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        noisy = np.clip(moved + rng.normal(0, 2, moved.shape), 0, 255).astype(np.uint8)
        out.append(noisy)
    return out


def test_still_image_fed_as_video_is_refused(face_engine, faces_dir: Path) -> None:
    frames = _still_video(read_face(faces_dir, "s1", 1))
    seq = [observe(face_engine, f) for f in frames]
    challenges: tuple[Challenge, ...] = ("turn_left", "turn_right", "blink")
    for challenge in challenges:
        r = evaluate(challenge, seq, CFG)
        assert not r.passed, (challenge, r)
        assert r.prompt


def test_photo_turned_in_the_hand_is_refused(face_engine, faces_dir: Path) -> None:
    """Turning a flat photo squeezes it sideways: the landmarks keep their ratios."""
    import cv2

    frame = read_face(faces_dir, "s1", 1)
    h, w = frame.shape[:2]
    frames = []
    for sx in (1.0, 0.9, 0.8, 0.7, 0.6, 0.7, 0.85, 1.0):
        m = np.array([[sx, 0, (1 - sx) * w / 2], [0, 1, 0]], np.float32)
        frames.append(cv2.warpAffine(frame, m, (w, h), borderMode=cv2.BORDER_REPLICATE))
    seq = [observe(face_engine, f) for f in frames]
    turns: tuple[Challenge, ...] = ("turn_left", "turn_right")
    for challenge in turns:
        r = evaluate(challenge, seq, CFG)
        assert not r.passed, (challenge, r.detail)


def test_real_head_turn_passes(face_engine, faces_dir: Path) -> None:
    # ORL subject s1 turning to the image right and back (photos 1, 9, 10, 5, 10, 1)
    frames = [read_face(faces_dir, "s1", i) for i in (1, 9, 10, 5, 10, 1)]
    seq = [observe(face_engine, f) for f in frames]
    r = evaluate("turn_right", seq, CFG)
    assert r.passed, r.detail
    assert not evaluate("turn_left", seq, CFG).passed


def test_someone_else_in_the_sequence_is_refused(face_engine, faces_dir: Path) -> None:
    frames = [read_face(faces_dir, "s1", i) for i in (1, 9, 10)]
    frames += [read_face(faces_dir, "s20", i) for i in (1, 2, 3)]
    seq = [observe(face_engine, f) for f in frames]
    assert evaluate("turn_right", seq, CFG).reason == "not_same_person"


def test_too_few_faces_is_refused(face_engine) -> None:
    seq = [observe(face_engine, np.full((480, 640, 3), 90, np.uint8)) for _ in range(8)]
    r = evaluate("blink", seq, CFG)
    assert r.reason == "too_few_frames" and not r.passed


def test_blink_is_seen(face_engine, faces_dir: Path) -> None:
    """Eyes covered (skin-coloured) for two frames, then open again."""
    import cv2

    frame = read_face(faces_dir, "s1", 1)
    face = face_engine.detect(frame)[0]
    closed = frame.copy()
    for x, y in face.landmarks[:2]:
        r = int(face.width * 0.09)
        patch = closed[int(y) - 3 * r : int(y) - r, int(x) - r : int(x) + r]
        cv2.rectangle(
            closed,
            (int(x) - 2 * r, int(y) - r),
            (int(x) + 2 * r, int(y) + r),
            color=tuple(int(c) for c in patch.reshape(-1, 3).mean(0)),
            thickness=-1,
        )
    noisy = _still_video(frame, 8, seed=1)
    shut = _still_video(closed, 2, seed=2)
    seq = [observe(face_engine, f) for f in noisy[:4] + shut + noisy[4:]]
    blink = evaluate("blink", seq, CFG)
    assert blink.passed, blink.detail


def test_demo_photo_moved_about_is_refused(face_engine) -> None:
    """The demo's visitor (a real photo from the scikit-image wheel), slid and zoomed in
    a 640x480 frame as a 'moving sequence': still refused, so the demo must be exempt."""
    import cv2

    from appliance.identity.liveness import DEMO_EXEMPT_BANNER_ZH, exempt_for_demo
    from models.registry import ModelError, locate

    try:
        photo = cv2.imread(str(locate("demo_astronaut")))
        assert photo is not None
    except ModelError as e:
        pytest.skip(f"scikit-image demo photo unavailable: {e}")
    frames = []
    for k in range(10):
        size = 360 + 8 * k
        canvas = np.full((480, 640, 3), 80, np.uint8)
        x = 60 + 15 * k
        canvas[60 : 60 + min(size, 420), x : x + size] = cv2.resize(photo, (size, size))[:420]
        frames.append(canvas)
    seq = [observe(face_engine, f) for f in frames]
    challenges: tuple[Challenge, ...] = ("turn_left", "turn_right", "blink")
    for challenge in challenges:
        assert not evaluate(challenge, seq, CFG).passed
    assert exempt_for_demo().reason == "demo_exempt" and "演示模式" in DEMO_EXEMPT_BANNER_ZH
