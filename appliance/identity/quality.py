"""Quality gates for a face frame: size, sharpness, pose, lighting, with zh-CN prompts.

Pure functions of the detected face and its aligned crop, so they test without a camera.
Pose comes from the five landmarks: yaw is the nose's horizontal offset from the eye
midpoint over the eye distance (0 when frontal), roll the eye-line angle, pitch the
nose's vertical position between the eyes and the mouth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from appliance.identity.config import FaceConfig
from appliance.identity.face import DetectedFace

__all__ = ["PROMPTS", "Pose", "QualityReport", "assess", "estimate_pose", "eye_openness"]

PROMPTS: dict[str, str] = {
    "no_face": "未检测到人脸，请正对摄像头",
    "many_faces": "检测到多张人脸，请只留一人在摄像头前",
    "too_small": "请靠近摄像头一些",
    "blurry": "画面模糊，请保持不动",
    "yaw": "请正脸面对摄像头，不要左右转头",
    "roll": "请保持头部端正，不要歪头",
    "pitch": "请平视摄像头，不要抬头或低头",
    "too_dark": "光线太暗，请到光线充足处或打开灯光",
    "too_bright": "光线太亮，请避开强光直射",
    "low_contrast": "画面对比度太低，请调整光线",
}


@dataclass(frozen=True)
class Pose:
    yaw: float  # >0: nose towards image right
    roll_deg: float
    pitch: float


@dataclass(frozen=True)
class QualityReport:
    issues: list[str] = field(default_factory=list)
    pose: Pose | None = None
    sharpness: float = 0.0
    brightness: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def prompt(self) -> str:
        """The first thing the person should fix, in Chinese ('' when the frame is good)."""
        return PROMPTS[self.issues[0]] if self.issues else ""


def estimate_pose(landmarks: np.ndarray) -> Pose:
    re, le, nose, rm, lm = (landmarks[i].astype(np.float64) for i in range(5))
    eye_mid = (re + le) / 2
    mouth_mid = (rm + lm) / 2
    d = le - re
    eye_dist = float(np.hypot(*d)) + 1e-6
    # yaw: project the nose offset on the eye line, so roll does not leak into yaw
    ux, uy = d / eye_dist
    yaw = float(((nose - eye_mid) @ np.array([ux, uy])) / eye_dist)
    roll = math.degrees(math.atan2(float(d[1]), float(d[0])))
    vert = float(np.hypot(*(mouth_mid - eye_mid))) + 1e-6
    pitch = float(((nose - eye_mid) @ np.array([-uy, ux])) / vert)
    return Pose(yaw=yaw, roll_deg=roll, pitch=pitch)


def _grey(aligned: np.ndarray) -> np.ndarray:
    import cv2

    return np.asarray(cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def sharpness(aligned: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(_grey(aligned), cv2.CV_64F).var())


def eye_openness(aligned: np.ndarray) -> float:
    """Vertical edge energy around both eyes of a 112x112 SFace crop (drops on a blink)."""
    import cv2

    g = _grey(aligned).astype(np.float32)
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    # SFace reference eye centres are about (38, 52) and (74, 52) in the 112x112 crop
    patches = [gy[44:60, 28:48], gy[44:60, 64:84]]
    face_ref = float(gy[30:100, 20:92].mean()) + 1e-6
    return float(np.mean([p.mean() for p in patches]) / face_ref)


def assess(faces: list[DetectedFace], aligned: np.ndarray | None, cfg: FaceConfig) -> QualityReport:
    """Gate one frame. ``aligned`` is the crop of ``faces[0]`` (None if no face)."""
    if not faces or aligned is None:
        return QualityReport(issues=["no_face"])
    issues: list[str] = []
    if len(faces) > 1 and faces[1].width > 0.5 * faces[0].width:
        issues.append("many_faces")
    face = faces[0]
    if face.width < cfg.min_face_px:
        issues.append("too_small")
    pose = estimate_pose(face.landmarks)
    if abs(pose.yaw) > cfg.max_yaw:
        issues.append("yaw")
    if abs(pose.roll_deg) > cfg.max_roll_deg:
        issues.append("roll")
    if not cfg.pitch_range[0] <= pose.pitch <= cfg.pitch_range[1]:
        issues.append("pitch")
    g = _grey(aligned)
    bright = float(g.mean())
    if bright < cfg.brightness_range[0]:
        issues.append("too_dark")
    elif bright > cfg.brightness_range[1]:
        issues.append("too_bright")
    elif float(g.std()) < cfg.min_contrast:
        issues.append("low_contrast")
    sharp = sharpness(aligned)
    if sharp < cfg.min_sharpness:
        issues.append("blurry")
    return QualityReport(issues=issues, pose=pose, sharpness=sharp, brightness=bright)
