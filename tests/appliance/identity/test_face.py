"""Face pipeline on real ORL photos: detect, align, embed, 1:1 match, quality prompts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from appliance.identity.config import FaceConfig
from appliance.identity.face import FaceInputError
from appliance.identity.matching import Gallery, verify
from appliance.identity.quality import PROMPTS, assess

from .conftest import read_face


def test_same_person_matches_other_person_does_not(face_engine, faces_dir: Path) -> None:
    cfg = FaceConfig()
    embs = {}
    for person in ("s14", "s20"):
        for i in (1, 6):
            r = face_engine.embed_frame(read_face(faces_dir, person, i))
            assert r is not None, f"no face in {person}/{i}"
            _face, aligned, emb = r
            assert aligned.shape == (112, 112, 3)
            assert emb.shape == (128,)
            assert abs(float(np.linalg.norm(emb)) - 1) < 1e-4
            embs[person, i] = emb
    assert verify(embs["s14", 6], embs["s14", 1], cfg.threshold).accepted
    assert verify(embs["s20", 6], embs["s20", 1], cfg.threshold).accepted
    assert not verify(embs["s20", 1], embs["s14", 1], cfg.threshold).accepted
    g = Gallery(["s14", "s20"], np.stack([embs["s14", 1], embs["s20", 1]]))
    assert g.identify(embs["s20", 6], cfg.threshold).person_id == "s20"


def test_good_frame_passes_quality(face_engine, faces_dir: Path) -> None:
    frame = read_face(faces_dir, "s1", 1)
    faces = face_engine.detect(frame)
    rep = assess(faces, face_engine.align(frame, faces[0]), FaceConfig())
    assert rep.ok, rep.issues
    assert rep.prompt == ""


def _gate(face_engine, frame: np.ndarray) -> list[str]:
    faces = face_engine.detect(frame)
    aligned = face_engine.align(frame, faces[0]) if faces else None
    return assess(faces, aligned, FaceConfig()).issues


def test_blurred_frame_asks_to_hold_still(face_engine, faces_dir: Path) -> None:
    import cv2

    frame = cv2.GaussianBlur(read_face(faces_dir, "s1", 1), (0, 0), 3)
    issues = _gate(face_engine, frame)
    assert "blurry" in issues
    assert PROMPTS["blurry"] == "画面模糊，请保持不动"


def test_dark_frame_asks_for_light(face_engine, faces_dir: Path) -> None:
    frame = (read_face(faces_dir, "s1", 1).astype(np.float32) * 0.25).astype(np.uint8)
    assert "too_dark" in _gate(face_engine, frame)


def test_far_away_face_asks_to_come_closer(face_engine, faces_dir: Path) -> None:
    import cv2

    small = cv2.resize(read_face(faces_dir, "s1", 1), None, fx=0.35, fy=0.35)
    frame = cv2.copyMakeBorder(small, 200, 200, 200, 200, cv2.BORDER_REPLICATE)
    issues = _gate(face_engine, frame)
    assert issues and issues[0] in ("too_small", "no_face")


def test_turned_head_is_flagged(face_engine, faces_dir: Path) -> None:
    import cv2

    frame = read_face(faces_dir, "s1", 1)
    h, w = frame.shape[:2]
    tilted = cv2.warpAffine(
        frame,
        cv2.getRotationMatrix2D((w / 2, h / 2), 35, 1.0),
        (w, h),
        borderMode=cv2.BORDER_REPLICATE,
    )
    assert "roll" in _gate(face_engine, tilted)


def test_empty_frame_prompts_no_face(face_engine) -> None:
    issues = _gate(face_engine, np.full((480, 640, 3), 128, np.uint8))
    assert issues == ["no_face"]


def test_bad_input_is_a_clear_error(face_engine) -> None:
    with pytest.raises(FaceInputError):
        face_engine.detect(np.zeros((480, 640, 3), np.float32))
    with pytest.raises(FaceInputError):
        face_engine.detect(np.zeros((480, 640, 4), np.uint8))
