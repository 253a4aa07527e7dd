"""The touchscreen's ``Biometrics`` hook on the real camera, microphone and models.

``CameraBiometrics`` drives ``IdentityService`` with a ``firmware_glue.frames.FrameSource``
(picamera2 on the box, image files or arrays in tests and demos) and a microphone opener
(``firmware_glue.microphone.SoundDeviceMicrophone`` on the box, ``WavPlaylist`` as fake).

A check runs in two steps: ``prepare`` draws a liveness challenge (and digits to read
aloud, when voice is used) and returns the prompts the screen shows; the following
capture uses that challenge once. Frames and audio live only inside one call: templates
are all that is kept. Enrolment at the desk also needs the challenge answered, so a photo
held to the camera cannot become someone's template; the store refuses it without the
person's live consent before any frame is taken.

``load_camera_biometrics`` builds it from the box config, the models checked by SHA-256;
it raises ``ModelError`` when a face model is missing (the caller falls back to
``NoBiometrics`` and logs why). A missing voice model only turns voice off.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from appliance.identity.liveness import CHALLENGE_PROMPTS, Challenge
from appliance.identity.service import Audio, CaptureError, IdentityService, Outcome
from appliance.ui.hooks import BioMethod, BioResult, CapturePrompt, EnrolResult, Modality
from firmware_glue.frames import FrameSource, FrameSourceError
from firmware_glue.media import AudioBlock, AudioSource
from firmware_glue.microphone import MicrophoneError, record_clip

__all__ = ["CameraBiometrics", "audio_from_block", "load_camera_biometrics"]

log = logging.getLogger(__name__)

NOT_PREPARED = "请先显示动作提示，再开始采集"
DEVICE_FAILED = "摄像头或麦克风没有数据，请使用身份证号核验（并联系管理员）"


@dataclass(frozen=True)
class _Pending:
    challenge: Challenge | None
    prompt: CapturePrompt


def audio_from_block(block: AudioBlock) -> Audio:
    """16-bit interleaved PCM → mono float32 in [-1, 1], with its rate."""
    pcm = np.frombuffer(block.pcm, dtype="<i2").astype(np.float32) / 32768.0
    if block.channels > 1:
        pcm = pcm[: len(pcm) // block.channels * block.channels]
        pcm = pcm.reshape(-1, block.channels).mean(axis=1)
    return pcm, block.rate


def split_clip(audio: Audio, parts: int) -> list[Audio]:
    """One long enrolment recording as ``parts`` clips (the template averages them)."""
    samples, rate = audio
    return [(p, rate) for p in np.array_split(samples, parts) if len(p)]


class CameraBiometrics:
    available = True

    def __init__(
        self,
        *,
        service: IdentityService,
        camera: FrameSource,
        microphone: Callable[[], AudioSource] | None = None,
        frames: int = 8,
        interval_s: float = 0.3,
        voice_s: float = 4.0,
        enrol_voice_s: float = 15.0,
        challenges: Sequence[Challenge] = ("turn_left", "turn_right"),
        rng: random.Random | None = None,
        officer_person_id: Callable[[str], str] | None = None,
    ) -> None:
        from appliance.officers import badge_person_id

        if not challenges:
            raise ValueError("at least one liveness challenge")
        self.service, self.camera, self.microphone = service, camera, microphone
        self.frames, self.interval_s = frames, interval_s
        self.voice_s, self.enrol_voice_s = voice_s, enrol_voice_s
        self.challenges = tuple(challenges)
        self._rng = rng or random.SystemRandom()
        self._badge = officer_person_id or badge_person_id
        self._pending: _Pending | None = None
        self._lock = threading.Lock()  # one camera: one check at a time

    @property
    def voice_ready(self) -> bool:
        return self.microphone is not None and self.service.voice is not None

    # --- step 1: what the person must do -------------------------------------------------
    def prepare(self, *, face: bool, voice: bool, enrol: bool = False) -> CapturePrompt:
        challenge: Challenge | None = self._rng.choice(self.challenges) if face else None
        face_prompt = CHALLENGE_PROMPTS[challenge] if challenge else ""
        voice_prompt = ""
        if voice and self.voice_ready:
            n = 20 if enrol else 6  # enrolment: several seconds of speech for 5 clips
            digits = " ".join(self._rng.choice("0123456789") for _ in range(n))
            voice_prompt = f"请清楚地读出：{digits}"
            if face:
                face_prompt += "；做完后"
        prompt = CapturePrompt(face_prompt, voice_prompt)
        with self._lock:
            self._pending = _Pending(challenge, prompt)
        return prompt

    def _take(self) -> _Pending | None:
        with self._lock:
            pending, self._pending = self._pending, None
            return pending

    # --- capture ----------------------------------------------------------------------
    def _frames(self) -> list[np.ndarray]:
        return self.camera.capture(self.frames, interval_s=self.interval_s)

    def _audio(self, seconds: float) -> Audio:
        assert self.microphone is not None
        source = self.microphone()
        try:
            return audio_from_block(record_clip(source, seconds))
        finally:
            source.close()

    # --- enrolment --------------------------------------------------------------------
    def enrolled(self, person_id: str) -> frozenset[Modality]:
        store = self.service.store
        return frozenset(m for m in ("face", "voice") if store.get(person_id, m) is not None)

    def enrol_petitioner(self, person_id: str, modality: Modality) -> EnrolResult:
        pending = self._take()
        store = self.service.store
        store.require_consent(person_id, modality)  # ConsentRequired before any capture
        if modality == "voice" and not self.voice_ready:
            return EnrolResult("voice", False, "本机未启用声纹，请使用人脸或身份证号")
        if pending is None or (modality == "face" and pending.challenge is None):
            return EnrolResult(modality, False, NOT_PREPARED)
        try:
            if modality == "face":
                assert pending.challenge is not None
                self.service.enrol_face(person_id, self._frames(), challenge=pending.challenge)
            else:
                clips = split_clip(
                    self._audio(self.enrol_voice_s), self.service.cfg.voice.enrol_clips
                )
                self.service.enrol_voice(person_id, clips)
        except CaptureError as e:
            return EnrolResult(modality, False, e.prompt)
        except (FrameSourceError, MicrophoneError) as e:
            log.error("capture for enrolment failed: %s", e)
            return EnrolResult(modality, False, DEVICE_FAILED)
        return EnrolResult(modality, True)

    # --- verification -----------------------------------------------------------------
    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        method: BioMethod = "face_voice" if face and voice else "face" if face else "voice"
        if voice and not face and not self.voice_ready:
            return BioResult("voice", "not_enrolled", prompt="本机未启用声纹核验，请使用身份证号")
        return self._verify(person_id, method, face=face, voice=voice and self.voice_ready)

    def verify_officer(self, officer_id: str) -> BioResult:
        out = self._verify(self._badge(officer_id), "face", face=True, voice=False)
        if out.outcome == "not_enrolled":
            return BioResult("face", "not_enrolled", prompt="未登记人脸，请使用 PIN 登录")
        if out.outcome == "rejected":
            return BioResult(
                "face", "rejected", out.score_permille, "人脸核验未通过，请使用 PIN 登录"
            )
        return out

    def _verify(self, person_id: str, method: BioMethod, *, face: bool, voice: bool) -> BioResult:
        pending = self._take()
        if pending is None or (face and pending.challenge is None):
            return BioResult(method, "retry", prompt=NOT_PREPARED)
        if not any(m in self.enrolled(person_id) for m in self._asked(face, voice)):
            return BioResult(method, "not_enrolled", prompt="未登记生物特征，请使用身份证号核验")
        try:
            frames = self._frames() if face else []
            audio = self._audio(self.voice_s) if voice else None
        except (FrameSourceError, MicrophoneError) as e:
            log.error("capture for verification failed: %s", e)
            return BioResult(method, "retry", prompt=DEVICE_FAILED)
        out = self.service.verify(
            person_id,
            frames,
            challenge=pending.challenge or "turn_left",  # unused without a face template
            audio=audio,
            use_face=face,
        )
        return _result(out)

    @staticmethod
    def _asked(face: bool, voice: bool) -> list[Modality]:
        asked: list[Modality] = []
        if face:
            asked.append("face")
        if voice:
            asked.append("voice")
        return asked


def _result(out: Outcome) -> BioResult:
    """A failed liveness check (a still photo, the turn not made) is a decision — the
    claim was not proven live — and goes on record as ``rejected``; a capture that
    found no usable face decides nothing (``retry``)."""
    fields: dict[str, Any] = out.event_fields()
    outcome = out.outcome
    if outcome == "retry" and out.liveness is not None and not out.liveness.passed:
        return BioResult(fields["method"], "rejected", None, out.prompt)
    if outcome == "retry":
        return BioResult(fields["method"], "retry", None, out.prompt)
    return BioResult(fields["method"], outcome, fields["score_permille"], out.prompt)


def load_camera_biometrics(
    *,
    store: Any,
    camera: FrameSource,
    microphone: Callable[[], AudioSource] | None,
    settings: Any,
    identity_cfg: Any = None,
) -> tuple[CameraBiometrics, list[str]]:
    """``CameraBiometrics`` on the checked models; also what is turned off and why.

    ``settings``: ``appliance.config.BiometricsConfig``. Raises ``models.registry.
    ModelError`` when the face models are missing or differ from the manifest."""
    from appliance.identity.config import IdentityConfig
    from appliance.identity.face import FaceEngine
    from models.registry import ModelError

    cfg = identity_cfg or IdentityConfig()
    notes: list[str] = []
    face = FaceEngine.load(backend=cfg.face.backend, detect_score=cfg.face.detect_score)
    voice = None
    if settings.voice and microphone is not None:
        try:
            from appliance.identity.voice import SpeakerEncoder

            voice = SpeakerEncoder.load(vad_threshold=cfg.voice.vad_threshold)
        except (ModelError, ImportError) as e:
            notes.append(f"voice off: {e}")
    elif settings.voice:
        notes.append("voice off: no microphone")
    service = IdentityService(face=face, store=store, cfg=cfg, voice=voice)
    bio = CameraBiometrics(
        service=service,
        camera=camera,
        microphone=microphone if voice is not None else None,
        frames=settings.frames,
        interval_s=settings.interval_s,
        voice_s=settings.voice_s,
        enrol_voice_s=settings.enrol_voice_s,
        challenges=settings.challenges,
    )
    return bio, notes
