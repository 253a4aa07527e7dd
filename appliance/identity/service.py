"""Identity at the desk: enrol (after consent), verify a claimed identity, search 1:N.

Ties the pieces together and keeps nothing but templates: frames and audio are used
and dropped. Verification is 1:1 against the claimed person (ID number or dossier);
``identify`` searches only people whose consent covers 1:N. The outcome maps onto the
``identity.checked`` event (``event_fields``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from appliance.identity.config import IdentityConfig
from appliance.identity.face import FaceEngine
from appliance.identity.fusion import FusedDecision, fuse
from appliance.identity.liveness import Challenge, LivenessResult, evaluate, observe
from appliance.identity.matching import Match
from appliance.identity.quality import QualityReport, assess
from appliance.identity.templates import TemplateStore
from appliance.identity.voice import SpeakerEncoder, enrol_template

__all__ = ["CaptureError", "IdentityService", "Outcome"]

Audio = tuple[np.ndarray, int]  # mono samples, sample rate


class CaptureError(ValueError):
    """No usable frame or clip; ``prompt`` tells the person what to do (zh-CN)."""

    def __init__(self, prompt: str) -> None:
        super().__init__(prompt)
        self.prompt = prompt


@dataclass(frozen=True)
class Outcome:
    outcome: Literal["verified", "rejected", "not_enrolled", "retry"]
    prompt: str = ""
    face_score: float | None = None
    voice_score: float | None = None
    decision: FusedDecision | None = None
    liveness: LivenessResult | None = None

    def event_fields(self) -> dict[str, object]:
        """``method``, ``outcome`` and ``score_permille`` for ``IdentityChecked``."""
        method = (
            "face_voice"
            if self.face_score is not None and self.voice_score is not None
            else "voice"
            if self.voice_score is not None
            else "face"
        )
        outcome = "rejected" if self.outcome == "retry" else self.outcome
        permille = None if self.decision is None else round(self.decision.confidence * 1000)
        return {"method": method, "outcome": outcome, "score_permille": permille}


class IdentityService:
    def __init__(
        self,
        *,
        face: FaceEngine,
        store: TemplateStore,
        cfg: IdentityConfig,
        voice: SpeakerEncoder | None = None,
    ) -> None:
        self.face, self.store, self.cfg, self.voice = face, store, cfg, voice

    def good_faces(self, frames: Sequence[np.ndarray], want: int = 1) -> list[np.ndarray]:
        """Embeddings of up to ``want`` frames that pass the quality gates."""
        found: list[np.ndarray] = []
        last = QualityReport(issues=["no_face"])
        for frame in frames:
            faces = self.face.detect(frame)
            aligned = self.face.align(frame, faces[0]) if faces else None
            last = assess(faces, aligned, self.cfg.face)
            if last.ok and aligned is not None:
                found.append(self.face.embed(aligned))
                if len(found) >= want:
                    break
        if not found:
            raise CaptureError(last.prompt)
        return found

    def enrol_face(
        self, person_id: str, frames: Sequence[np.ndarray], *, challenge: Challenge | None = None
    ) -> str:
        """Template from up to three good frames; raises ConsentRequired without consent.

        With ``challenge`` the frames must also pass liveness (a live capture at the desk:
        a photo held up must not become someone's template); without it they are taken as
        they are (photos an administrator enrols from)."""
        self.store.require_consent(person_id, "face")  # before any frame is processed
        if challenge is not None:
            live = evaluate(challenge, [observe(self.face, f) for f in frames], self.cfg.liveness)
            if not live.passed:
                raise CaptureError(live.prompt)
        return self.store.enrol(person_id, "face", enrol_template(self.good_faces(frames, 3)))

    def enrol_voice(self, person_id: str, clips: Sequence[Audio]) -> str:
        if self.voice is None:
            raise RuntimeError("no speaker encoder configured")
        self.store.require_consent(person_id, "voice")
        if len(clips) < self.cfg.voice.enrol_clips:
            raise CaptureError(f"请再录 {self.cfg.voice.enrol_clips - len(clips)} 段语音")
        embs = [self._voice_embedding(a) for a in clips]
        return self.store.enrol(person_id, "voice", enrol_template(embs))

    def _voice_embedding(self, audio: Audio) -> np.ndarray:
        assert self.voice is not None
        speech = self.voice.speech(*audio)
        if len(speech) < self.cfg.voice.min_speech_s * 16000:
            raise CaptureError("没有听清，请再说一遍（至少说三秒钟）")
        return self.voice.embed_speech(speech)

    def verify(
        self,
        person_id: str,
        frames: Sequence[np.ndarray],
        *,
        challenge: Challenge,
        audio: Audio | None = None,
        liveness_exempt: bool = False,
        use_face: bool = True,
    ) -> Outcome:
        """``use_face=False``: voice only (the person's consent today covers voice only)."""
        face_t = self.store.get(person_id, "face") if use_face else None
        voice_t = self.store.get(person_id, "voice") if audio is not None else None
        if face_t is None and voice_t is None:
            return Outcome("not_enrolled", "未登记生物特征，请使用身份证号核验")
        live = None
        face_score = None
        if face_t is not None:
            if not liveness_exempt:
                live = evaluate(
                    challenge, [observe(self.face, f) for f in frames], self.cfg.liveness
                )
                if not live.passed:
                    return Outcome("retry", live.prompt, liveness=live)
            try:
                face_score = float(self.good_faces(frames)[0] @ face_t)
            except CaptureError as e:
                return Outcome("retry", e.prompt, liveness=live)
        voice_score = None
        if voice_t is not None and audio is not None and self.voice is not None:
            try:
                voice_score = float(self._voice_embedding(audio) @ voice_t)
            except CaptureError as e:
                if face_score is None:
                    return Outcome("retry", e.prompt)
        decision = fuse(face_score, voice_score, self.cfg.fusion)
        if decision.accepted:
            self.store.mark_used(person_id)
        return Outcome(
            "verified" if decision.accepted else "rejected",
            "" if decision.accepted else "核验未通过，请使用身份证号核验",
            face_score,
            voice_score,
            decision,
            live,
        )

    def identify(self, frames: Sequence[np.ndarray]) -> Match:
        """1:N among people who consented to it (never anyone else)."""
        probe = self.good_faces(frames)[0]
        return self.store.gallery("face").identify(probe, self.cfg.face.threshold)
