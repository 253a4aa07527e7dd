"""Liveness by challenge and response over several frames: turn the head, or blink.

A flat picture (a print, or a phone screen held to the camera) can be moved, tilted or
turned, but its landmarks keep their ratios: turning a flat photo about the vertical
axis squeezes it horizontally, so the nose stays at the same fraction of the eye
distance and ``Pose.yaw`` does not move. A real head turn moves the nose across,
because it stands out of the face plane. A blink changes the eye region while the rest
of the face stays. Every frame must also show the same person as the first, so a
response cannot be borrowed from somebody else, and a sequence of (nearly) identical
crops is named as what it is: a still image.

``evaluate`` is pure: it takes per-frame observations, which ``observe`` makes from
frames with a ``FaceEngine``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np

from appliance.identity.config import LivenessConfig
from appliance.identity.face import FaceEngine
from appliance.identity.quality import estimate_pose, eye_openness

__all__ = [
    "CHALLENGE_PROMPTS",
    "DEMO_EXEMPT_BANNER_ZH",
    "Challenge",
    "LivenessResult",
    "Observation",
    "evaluate",
    "exempt_for_demo",
    "observe",
]

# shown on screen for as long as a demo runs without liveness (its visitor is a photo)
DEMO_EXEMPT_BANNER_ZH = "演示模式：未进行活体检测，核验结果不具效力"

Challenge = Literal["turn_left", "turn_right", "blink"]

CHALLENGE_PROMPTS: dict[str, str] = {
    "turn_left": "请缓慢向左转头，再转回正面",
    "turn_right": "请缓慢向右转头，再转回正面",
    "blink": "请眨一眨眼",
}

FAIL_PROMPTS: dict[str, str] = {
    "too_few_frames": "未能连续看清您的面部，请正对摄像头重试",
    "not_same_person": "检测到画面中人员发生变化，请重试",
    "still_image": "未检测到真人动作（疑似照片或屏幕），请本人按提示动作",
    "no_response": "未检测到按提示完成的动作，请重试",
}


@dataclass(frozen=True)
class Observation:
    yaw: float
    eye_openness: float
    embedding: np.ndarray
    crop_grey: np.ndarray  # 112x112 aligned grey crop, to tell a still image


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    reason: str  # "ok" or a key of FAIL_PROMPTS
    detail: dict[str, float]

    @property
    def prompt(self) -> str:
        return "" if self.passed else FAIL_PROMPTS[self.reason]


def exempt_for_demo() -> LivenessResult:
    """The demo's visitor is a still photo, which must fail liveness; the demo therefore
    skips it and says so visibly (``DEMO_EXEMPT_BANNER_ZH``), and the reason is recorded."""
    return LivenessResult(True, "demo_exempt", {})


def observe(engine: FaceEngine, frame: np.ndarray) -> Observation | None:
    import cv2

    r = engine.embed_frame(frame, precise=True)
    if r is None:
        return None
    face, aligned, emb = r
    grey = np.asarray(cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY), dtype=np.float32)
    return Observation(estimate_pose(face.landmarks).yaw, eye_openness(aligned), emb, grey)


def evaluate(
    challenge: Challenge, seq: list[Observation | None], cfg: LivenessConfig
) -> LivenessResult:
    obs = [o for o in seq if o is not None]
    if len(obs) < cfg.min_frames:
        return LivenessResult(False, "too_few_frames", {"frames": float(len(obs))})
    first = obs[0].embedding
    same = min(float(o.embedding @ first) for o in obs)
    if same < cfg.same_person:
        return LivenessResult(False, "not_same_person", {"min_similarity": same})
    diffs = [float(np.mean(np.abs(b.crop_grey - a.crop_grey))) for a, b in pairwise(obs)]
    motion = max(diffs)
    yaws = np.array([o.yaw for o in obs])
    detail = {
        "max_crop_change": motion,
        "yaw_first": float(yaws[0]),
        "yaw_min": float(yaws.min()),
        "yaw_max": float(yaws.max()),
    }
    if motion < cfg.still_diff:
        return LivenessResult(False, "still_image", detail)
    if challenge == "blink":
        eyes = np.array([o.eye_openness for o in obs])
        base = float(np.median(eyes))
        closed = eyes < cfg.blink_drop * base
        # closed in some frame, open again afterwards (not at the very start)
        ok = bool(closed[1:-1].any()) and not closed[-1]
        detail |= {"eye_min_share": float(eyes.min() / (base + 1e-9))}
        return LivenessResult(ok, "ok" if ok else "no_response", detail)
    # image left is the person's right: "turn left" (person's left) moves the nose to
    # image left, i.e. yaw decreases; a mirrored preview would flip this, so the box
    # passes raw (unmirrored) frames
    sign = -1.0 if challenge == "turn_left" else 1.0
    swing = float(np.max(sign * (yaws - yaws[0])))
    back = abs(float(yaws[-1] - yaws[0])) < cfg.turn_yaw
    detail |= {"swing": swing}
    if swing < cfg.turn_yaw:
        reason = "still_image" if float(np.ptp(yaws)) < cfg.turn_yaw / 3 else "no_response"
        return LivenessResult(False, reason, detail)
    return LivenessResult(back, "ok" if back else "no_response", detail)
