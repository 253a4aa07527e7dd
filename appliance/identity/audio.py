"""Audio helpers in numpy: WAV reading, resampling, volume, Resemblyzer's mel frames.

The mel spectrogram reproduces ``librosa.feature.melspectrogram`` as Resemblyzer was
trained with it (16 kHz, n_fft 400, hop 160, 40 Slaney mel bands, power 2, centred
frames with reflect padding), so the runtime needs neither librosa nor torch.
"""

from __future__ import annotations

import wave
from functools import lru_cache
from math import gcd
from pathlib import Path

import numpy as np

__all__ = ["AudioError", "mel_frames", "normalize_volume", "read_wav", "resample"]

SR = 16000
N_FFT = 400
HOP = 160
N_MELS = 40


class AudioError(ValueError):
    """An audio input the pipeline cannot use; the message says why."""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples in [-1, 1] and the sample rate of a PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as w:
            rate, width, ch, n = (
                w.getframerate(),
                w.getsampwidth(),
                w.getnchannels(),
                w.getnframes(),
            )
            raw = w.readframes(n)
    except (wave.Error, EOFError) as e:
        raise AudioError(f"{path}: not a PCM WAV file ({e})") from e
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise AudioError(f"{path}: unsupported sample width {width} bytes")
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, rate: int, target: int = SR) -> np.ndarray:
    if rate == target:
        return x.astype(np.float32)
    if rate <= 0:
        raise AudioError(f"bad sample rate {rate}")
    from scipy.signal import resample_poly

    g = gcd(rate, target)
    return np.asarray(resample_poly(x, target // g, rate // g), dtype=np.float32)


def normalize_volume(x: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    """Raise (never lower) the level to ``target_dbfs``, as Resemblyzer's preprocessing."""
    if x.size == 0:
        return x
    rms = float(np.mean(x.astype(np.float64) ** 2))
    if rms <= 0:
        return x
    change = target_dbfs - 10 * np.log10(rms)
    return x if change < 0 else (x * 10 ** (change / 20)).astype(np.float32)


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    mel = f / (200.0 / 3)
    log = f >= 1000.0
    return np.where(log, 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27), mel)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    f = m * (200.0 / 3)
    log = m >= 15.0
    return np.where(log, 1000.0 * np.exp((np.log(6.4) / 27) * (m - 15.0)), f)


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    fft_freqs = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    mel_f = _mel_to_hz(
        np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(SR / 2)), N_MELS + 2)
    )
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    w = np.zeros((N_MELS, len(fft_freqs)))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    w *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return w.astype(np.float32)


def mel_frames(x: np.ndarray) -> np.ndarray:
    """(frames, 40) float32 mel power spectrogram of 16 kHz audio."""
    pad = N_FFT // 2
    if len(x) <= pad:
        x = np.pad(x, (0, pad + 1 - len(x)))
    y = np.pad(x.astype(np.float32), pad, mode="reflect")
    n = 1 + (len(y) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    spec = np.abs(np.fft.rfft(y[idx] * window, n=N_FFT, axis=1)) ** 2
    return (spec.astype(np.float32) @ _mel_basis().T).astype(np.float32)
