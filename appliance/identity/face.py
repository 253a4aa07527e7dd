"""Face pipeline: YuNet detection (5 landmarks), SFace alignment and 128-d embedding.

Frames are BGR numpy arrays from any source. OpenCV's FaceDetectorYN / FaceRecognizerSF
run the models; opencv-python-headless 4.12 is pinned because OpenCV 5.0 rejects the
int8 SFace file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

__all__ = [
    "DetectedFace",
    "FaceDetector",
    "FaceEngine",
    "YuNetDetector",
    "cosine",
    "faces_from_rows",
    "pad_small",
]


class FaceInputError(ValueError):
    """A frame that is not an HxWx3 uint8 BGR image (or HxW grey)."""


@dataclass(frozen=True)
class DetectedFace:
    box: tuple[float, float, float, float]  # x, y, w, h
    landmarks: np.ndarray  # 5x2: right eye, left eye, nose, right mouth, left mouth
    score: float
    row: np.ndarray  # the raw YuNet row (15 values) that alignCrop needs

    @property
    def width(self) -> float:
        return self.box[2]


def as_bgr(frame: np.ndarray) -> np.ndarray:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise FaceInputError("帧必须是 uint8 numpy 数组 (frame must be a uint8 numpy array)")
    if frame.ndim == 2:
        import cv2

        return np.asarray(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 16:
        raise FaceInputError(f"frame shape {frame.shape} is not HxWx3 BGR")
    return frame


def pad_small(image: np.ndarray, *, min_side: int = 224) -> np.ndarray:
    """Upscale a small still photo (e.g. 92x112 ORL) and pad it so YuNet finds the face."""
    import cv2

    img = as_bgr(image)
    h, w = img.shape[:2]
    if min(h, w) < min_side:
        f = min_side / min(h, w)
        img = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_CUBIC)
    m = img.shape[0] // 4
    return np.asarray(cv2.copyMakeBorder(img, m, m, m, m, cv2.BORDER_REPLICATE))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


class FaceDetector(Protocol):
    """A detection back end. Must return faces largest first, each with the five
    landmarks (right eye, left eye, nose, right and left mouth corner, as seen by the
    person) in frame pixels and ``row`` in YuNet's 15-value layout, which SFace's
    ``alignCrop`` reads."""

    def detect(self, frame: np.ndarray, *, precise: bool = False) -> list[DetectedFace]: ...


def faces_from_rows(rows: np.ndarray) -> list[DetectedFace]:
    faces = [
        DetectedFace(
            box=(float(r[0]), float(r[1]), float(r[2]), float(r[3])),
            landmarks=np.asarray(r[4:14], dtype=np.float32).reshape(5, 2),
            score=float(r[14]),
            row=np.asarray(r, dtype=np.float32),
        )
        for r in rows
    ]
    return sorted(faces, key=lambda f: f.width, reverse=True)


class YuNetDetector:
    """YuNet through OpenCV's ``FaceDetectorYN``.

    ``detect_width``: frames wider than this are shrunk for detection only (a desk
    camera's face is large; YuNet at 320x240 costs a quarter of 640x480); landmarks are
    scaled back, so alignment and embedding use the full-resolution frame. ``precise``
    detects at full resolution: liveness needs landmarks accurate to a few pixels (at
    320 px a flat photo's yaw jitters by up to 0.13, as much as a small real head turn).
    """

    def __init__(
        self, model: Path, *, detect_score: float = 0.7, detect_width: int | None = 320
    ) -> None:
        import cv2

        self._detect_width = detect_width
        self._det: Any = cv2.FaceDetectorYN.create(
            str(model), "", (320, 320), detect_score, 0.3, 50
        )
        self._size: tuple[int, int] = (320, 320)

    def detect(self, frame: np.ndarray, *, precise: bool = False) -> list[DetectedFace]:
        import cv2

        img = as_bgr(frame)
        scale = 1.0
        if not precise and self._detect_width and img.shape[1] > self._detect_width:
            scale = img.shape[1] / self._detect_width
            img = cv2.resize(
                img, (self._detect_width, round(img.shape[0] / scale)), interpolation=cv2.INTER_AREA
            )
        size = (img.shape[1], img.shape[0])
        if size != self._size:
            self._det.setInputSize(size)
            self._size = size
        _, rows = self._det.detect(img)
        if rows is None:
            return []
        if scale != 1.0:
            rows = rows.copy()
            rows[:, :14] *= scale
        return faces_from_rows(rows)


class FaceEngine:
    """Detect, align and embed faces. Build with ``FaceEngine.load()`` (hash-checked)."""

    def __init__(self, *, detector: FaceDetector, recognizer: Path) -> None:
        import cv2

        self.detector = detector
        self._rec: Any = cv2.FaceRecognizerSF.create(str(recognizer), "")

    @classmethod
    def load(
        cls,
        *,
        backend: Literal["yunet", "blazeface"] = "yunet",
        detect_score: float = 0.7,
        detect_width: int | None = 320,
    ) -> FaceEngine:
        from models.registry import locate

        det: FaceDetector
        if backend == "blazeface":
            from appliance.identity.blazeface import BlazeFaceDetector

            det = BlazeFaceDetector(locate("blazeface_short"), min_score=detect_score)
        else:
            det = YuNetDetector(
                locate("yunet"), detect_score=detect_score, detect_width=detect_width
            )
        return cls(detector=det, recognizer=locate("sface"))

    def detect(self, frame: np.ndarray, *, precise: bool = False) -> list[DetectedFace]:
        """Faces, largest first (see ``YuNetDetector`` for ``precise``)."""
        return self.detector.detect(frame, precise=precise)

    def align(self, frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        """112x112 BGR crop with the eyes and mouth at SFace's reference points."""
        return np.asarray(self._rec.alignCrop(as_bgr(frame), face.row))

    def embed(self, aligned: np.ndarray) -> np.ndarray:
        feat = np.asarray(self._rec.feature(aligned), dtype=np.float32).reshape(-1)
        return feat / (np.linalg.norm(feat) + 1e-12)

    def embed_frame(
        self, frame: np.ndarray, *, precise: bool = False
    ) -> tuple[DetectedFace, np.ndarray, np.ndarray] | None:
        """Largest face of the frame: (face, aligned crop, embedding), or None."""
        faces = self.detect(frame, precise=precise)
        if not faces:
            return None
        aligned = self.align(frame, faces[0])
        return faces[0], aligned, self.embed(aligned)
