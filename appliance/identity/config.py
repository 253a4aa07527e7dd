"""Identity configuration: operating thresholds and gates (pydantic, unknown keys forbidden).

The shipped thresholds were chosen on data other than the data reported in
docs/identity.md: the face threshold on ORL subjects s1-s13 (FAR 0.1% there), reported on
s14-s25; the voice threshold on FSDD speakers george, jackson, lucas, reported on
nicolas, theo, yweweler. See docs/identity.md for the commands.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FaceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    backend: Literal["yunet", "blazeface"] = Field(
        default="yunet",
        description="detector: YuNet (OpenCV) or BlazeFace (TFLite); set threshold with it",
    )
    detect_score: float = Field(default=0.7, ge=0, le=1, description="YuNet score threshold")
    threshold: float = Field(
        default=0.38,
        ge=-1,
        le=1,
        description="SFace cosine at or above which 1:1 accepts (0.40 for blazeface)",
    )
    min_face_px: int = Field(default=80, ge=16, description="smallest face box width (px)")
    min_sharpness: float = Field(
        default=60.0, ge=0, description="variance of the Laplacian on the aligned crop"
    )
    max_yaw: float = Field(default=0.25, ge=0, description="|nose offset| / eye distance")
    max_roll_deg: float = Field(default=20.0, ge=0, description="eye-line angle (degrees)")
    pitch_range: tuple[float, float] = Field(
        default=(0.25, 0.75), description="(nose - eyes) / (mouth - eyes), vertical"
    )
    brightness_range: tuple[float, float] = Field(
        default=(50.0, 210.0), description="mean grey level of the aligned crop"
    )
    min_contrast: float = Field(default=20.0, ge=0, description="grey-level std of the crop")


class VoiceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(
        default=0.80, ge=-1, le=1, description="GE2E cosine at or above which 1:1 accepts"
    )
    vad_threshold: float = Field(default=0.5, ge=0, le=1, description="silero speech prob")
    min_speech_s: float = Field(default=1.0, gt=0, description="least speech for a probe (s)")
    enrol_clips: int = Field(default=5, ge=1, description="clips averaged into a template")


class FusionConfig(BaseModel):
    """Gaussian fits from ``bench/identity/calibrate.py`` on the first halves."""

    model_config = ConfigDict(extra="forbid")
    face_genuine: tuple[float, float] = Field(
        default=(0.8269, 0.0947), description="(mean, std) of genuine SFace cosines"
    )
    face_impostor: tuple[float, float] = Field(
        default=(0.1231, 0.0993), description="(mean, std) of impostor SFace cosines"
    )
    voice_genuine: tuple[float, float] = Field(
        default=(0.9266, 0.0228), description="(mean, std) of genuine GE2E cosines"
    )
    voice_impostor: tuple[float, float] = Field(
        default=(0.6576, 0.0534), description="(mean, std) of impostor GE2E cosines"
    )
    accept_llr: float = Field(default=4.0, description="fused log-likelihood ratio to accept")


class LivenessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_frames: int = Field(default=5, ge=2, description="frames with one face needed")
    turn_yaw: float = Field(default=0.18, gt=0, description="yaw change a head turn must show")
    still_diff: float = Field(
        default=2.0, ge=0, description="mean abs grey change of the crop below which = still"
    )
    same_person: float = Field(
        default=0.30, description="SFace cosine every frame must keep with the first"
    )
    blink_drop: float = Field(
        default=0.6, gt=0, lt=1, description="eye openness below this share of baseline = closed"
    )


class IdentityConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    face: FaceConfig = Field(default_factory=FaceConfig, description="face pipeline")
    voice: VoiceConfig = Field(default_factory=VoiceConfig, description="voice pipeline")
    fusion: FusionConfig = Field(default_factory=FusionConfig, description="score fusion")
    liveness: LivenessConfig = Field(default_factory=LivenessConfig, description="liveness")
    template_retention_days: int = Field(
        default=1095,
        ge=1,
        description="templates unused this many days are deleted (TemplateStore.expire)",
    )
    vosk_model: str | None = Field(
        default=None, description="path of the Vosk model directory (e.g. vosk-model-small-cn)"
    )
