"""Voice pipeline on real FSDD recordings: VAD, embeddings, verification, WAV input."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from appliance.identity.audio import AudioError, mel_frames, read_wav, resample
from appliance.identity.config import VoiceConfig
from appliance.identity.matching import verify
from appliance.identity.voice import enrol_template, partial_slices


def speech_of(enc, voices_dir: Path, speaker: str, indices: range, seconds: float) -> np.ndarray:
    parts = []
    for i in indices:
        for d in range(10):
            x, rate = read_wav(voices_dir / f"{d}_{speaker}_{i}.wav")
            parts.append(enc.speech(x, rate))
    s = np.concatenate(parts)
    assert len(s) >= seconds * 16000, "not enough speech"
    return s[: int(seconds * 16000)]


def test_vad_keeps_speech_and_drops_silence(speaker_encoder, voices_dir: Path) -> None:
    x, rate = read_wav(voices_dir / "3_george_0.wav")
    y = resample(x, rate)
    vad = speaker_encoder.vad
    assert vad.probabilities(y).max() > 0.5
    silence = np.zeros(16000, np.float32)
    assert vad.speech(silence).size == 0
    noise = np.random.default_rng(0).normal(0, 0.01, 16000).astype(np.float32)
    assert vad.speech(noise).size < 16000 // 4


def test_enrolled_speaker_verifies_and_others_do_not(speaker_encoder, voices_dir: Path) -> None:
    cfg = VoiceConfig()
    # enrolment: five clips of 3 s from takes 0-9; probes: 3 s from takes 15-24
    enrol = speech_of(speaker_encoder, voices_dir, "nicolas", range(0, 10), 15.0)
    clips = [enrol[i * 48000 : (i + 1) * 48000] for i in range(5)]
    template = enrol_template([speaker_encoder.embed_speech(c) for c in clips])
    genuine = speaker_encoder.embed_speech(
        speech_of(speaker_encoder, voices_dir, "nicolas", range(15, 25), 3.0)
    )
    impostor = speaker_encoder.embed_speech(
        speech_of(speaker_encoder, voices_dir, "theo", range(15, 25), 3.0)
    )
    assert verify(genuine, template, cfg.threshold).accepted
    assert not verify(impostor, template, cfg.threshold).accepted
    assert genuine.shape == (256,)


def test_too_little_speech_is_a_clear_error(speaker_encoder) -> None:
    with pytest.raises(AudioError, match="太短"):
        speaker_encoder.embed(np.zeros(16000, np.float32), 16000)
    with pytest.raises(AudioError):
        speaker_encoder.speech(np.zeros((2, 100), np.float32), 16000)


def test_read_wav_formats_and_garbage(tmp_path: Path) -> None:
    p = tmp_path / "a.wav"
    with wave.open(str(p), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(np.full(800, 16384, "<i2").tobytes())
    x, rate = read_wav(p)
    assert rate == 8000 and x.shape == (400,) and np.allclose(x, 0.5)
    bad = tmp_path / "b.wav"
    bad.write_bytes(b"RIFF nonsense")
    with pytest.raises(AudioError, match="not a PCM WAV"):
        read_wav(bad)


def test_mel_frames_shape_and_partials() -> None:
    x = np.sin(np.arange(48000) * 2 * np.pi * 440 / 16000).astype(np.float32)
    m = mel_frames(x)
    assert m.shape == (301, 40)
    assert int(np.argmax(m.mean(0))) == 5  # 440 Hz = 6.6 Slaney mel: band 5 (centre 6.62)
    # 3 s: windows every 0.77 s; the last (91% covered) is zero-padded, as Resemblyzer does
    assert partial_slices(48000) == [0, 77, 154]
    assert partial_slices(1000) == [0]


def test_mel_matches_librosa_if_installed() -> None:
    librosa = pytest.importorskip("librosa", reason="librosa not installed (reference only)")
    x = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)
    ref = librosa.feature.melspectrogram(
        y=x, sr=16000, n_fft=400, hop_length=160, n_mels=40, pad_mode="reflect"
    ).T
    np.testing.assert_allclose(mel_frames(x), ref, rtol=1e-3, atol=1e-5)
