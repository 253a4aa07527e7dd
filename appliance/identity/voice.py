"""Voice pipeline: silero VAD, Resemblyzer GE2E speaker embedding (ONNX), templates.

Audio comes in as mono float32 numpy at any rate; everything runs at 16 kHz. An
embedding averages L2-normalised embeddings of 1.6 s partial windows (Resemblyzer's
recipe: 1.3 windows per second, a last window kept if 75% covered).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from appliance.identity.audio import SR, AudioError, mel_frames, normalize_volume, resample

__all__ = ["SpeakerEncoder", "VoiceActivity", "enrol_template"]

CHUNK = 512  # silero at 16 kHz: 32 ms chunks with 64 samples of context
CONTEXT = 64
PARTIAL = 160  # mel frames per partial window (1.6 s)


class VoiceActivity:
    """Silero VAD (ONNX). ``speech(x)`` keeps the speech of a 16 kHz signal."""

    def __init__(self, model: Path, *, threshold: float = 0.5) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._s: Any = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.threshold = threshold

    @classmethod
    def load(cls, *, threshold: float = 0.5) -> VoiceActivity:
        from models.registry import locate

        return cls(locate("silero_vad"), threshold=threshold)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        n = len(x) // CHUNK
        state = np.zeros((2, 1, 128), dtype=np.float32)
        context: np.ndarray = np.zeros(CONTEXT, dtype=np.float32)
        sr = np.array(SR, dtype=np.int64)
        probs = np.empty(n, dtype=np.float32)
        for i in range(n):
            chunk = x[i * CHUNK : (i + 1) * CHUNK].astype(np.float32)
            inp = np.concatenate([context, chunk])[None, :]
            out, state = self._s.run(None, {"input": inp, "state": state, "sr": sr})
            probs[i] = float(out.reshape(-1)[0])
            context = chunk[-CONTEXT:]
        return probs

    def speech(self, x: np.ndarray, *, hangover: int = 2) -> np.ndarray:
        """The samples of ``x`` in speech chunks (widened by ``hangover`` chunks)."""
        # quiet recordings (far microphone) fall under silero's threshold: gate on a
        # level-normalised copy, return the original samples
        p = self.probabilities(normalize_volume(x, -20.0))
        voiced = p >= self.threshold
        if hangover and voiced.any():
            padded = np.pad(voiced, hangover)
            n = len(voiced)
            voiced = np.any([padded[i : i + n] for i in range(2 * hangover + 1)], axis=0)
        if not voiced.any():
            return np.zeros(0, dtype=np.float32)
        mask = np.repeat(voiced, CHUNK)
        return x[: len(mask)][mask].astype(np.float32)


def partial_slices(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[int]:
    """Start frames of Resemblyzer's partial windows over ``n_samples`` of 16 kHz audio."""
    spf = SR // 100
    n_frames = int(np.ceil((n_samples + 1) / spf))
    step = max(1, round((SR / rate) / spf))
    starts = list(range(0, max(1, n_frames - PARTIAL + step + 1), step))
    last = starts[-1] * spf
    coverage = (n_samples - last) / (PARTIAL * spf)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return starts


@dataclass(frozen=True)
class VoiceEmbedding:
    vector: np.ndarray
    speech_s: float


class SpeakerEncoder:
    """GE2E encoder exported to ONNX (``python -m models.build_resemblyzer``)."""

    def __init__(self, model: Path, *, vad: VoiceActivity | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        self._s: Any = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.vad = vad

    @classmethod
    def load(cls, *, vad_threshold: float = 0.5) -> SpeakerEncoder:
        from models.registry import locate

        return cls(locate("resemblyzer_ge2e"), vad=VoiceActivity.load(threshold=vad_threshold))

    def speech(self, x: np.ndarray, rate: int) -> np.ndarray:
        """16 kHz speech only (VAD applied when a VAD is set), volume-normalised."""
        if x.ndim != 1 or len(x) == 0:
            raise AudioError("需要单声道音频 (mono audio needed)")
        y = resample(np.asarray(x, dtype=np.float32), rate)
        if self.vad is not None:
            y = self.vad.speech(y)
        return normalize_volume(y)

    def embed_speech(self, speech: np.ndarray) -> np.ndarray:
        """Embedding of 16 kHz speech that already went through ``speech()``."""
        if len(speech) < SR // 4:
            raise AudioError("语音太短，请再说一遍 (less than 0.25 s of speech)")
        starts = partial_slices(len(speech))
        need = (starts[-1] + PARTIAL) * (SR // 100)
        y = np.pad(speech, (0, max(0, need - len(speech))))
        mel = mel_frames(y)
        if mel.shape[0] < starts[-1] + PARTIAL:
            mel = np.pad(mel, ((0, starts[-1] + PARTIAL - mel.shape[0]), (0, 0)))
        batch = np.stack([mel[s : s + PARTIAL] for s in starts]).astype(np.float32)
        partials = self._s.run(None, {"mels": batch})[0]
        v = partials.mean(axis=0)
        return (v / (np.linalg.norm(v) + 1e-12)).astype(np.float32)

    def embed(self, x: np.ndarray, rate: int) -> VoiceEmbedding:
        s = self.speech(x, rate)
        return VoiceEmbedding(vector=self.embed_speech(s), speech_s=len(s) / SR)


def enrol_template(embeddings: list[np.ndarray]) -> np.ndarray:
    """Speaker template: the L2-normalised mean of the enrolment clips' embeddings."""
    if not embeddings:
        raise ValueError("no enrolment clips")
    v = np.mean(np.stack(embeddings), axis=0)
    return (v / (np.linalg.norm(v) + 1e-12)).astype(np.float32)
