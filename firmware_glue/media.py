"""Camera and microphone behind small interfaces, with synthetic and file fakes.

A source hands out raw frames / PCM blocks; encoders in ``appliance.recording``
turn them into segment files. On a Pi the real ones are ``camera.Picamera2Camera``
(H.264 from its encoder) and ``microphone.SoundDeviceMicrophone``.

Subclasses of ``VideoSource`` / ``AudioSource`` must implement ``read`` (``None``
when the source is exhausted) and may override ``close``.
"""

from __future__ import annotations

import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VideoFrame:
    width: int
    height: int
    yuv420: bytes  # planar I420: Y then U then V
    ts_ms: int


@dataclass(frozen=True)
class AudioBlock:
    rate: int
    channels: int
    pcm: bytes  # signed 16-bit little-endian, interleaved
    ts_ms: int


class VideoSource:
    fps: int = 10

    def read(self) -> VideoFrame | None:
        raise NotImplementedError

    def close(self) -> None:
        return None


class AudioSource:
    rate: int = 16000
    channels: int = 1

    def read(self) -> AudioBlock | None:
        raise NotImplementedError

    def close(self) -> None:
        return None


class SyntheticVideoSource(VideoSource):
    """A moving gradient: real, playable frames with no camera."""

    def __init__(self, *, width: int = 160, height: int = 120, fps: int = 10, t0_ms: int = 0,
                 frames: int | None = None) -> None:  # fmt: skip
        self.width, self.height, self.fps = width, height, fps
        self.t0_ms, self.limit, self.n = t0_ms, frames, 0

    def read(self) -> VideoFrame | None:
        if self.limit is not None and self.n >= self.limit:
            return None
        shift = self.n * 3
        row = bytes((x + shift) & 0xFF for x in range(self.width))
        y = row * self.height
        chroma = bytes([128 + (self.n % 64)]) * (self.width // 2 * (self.height // 2))
        frame = VideoFrame(self.width, self.height, y + chroma + chroma,
                           self.t0_ms + self.n * 1000 // self.fps)  # fmt: skip
        self.n += 1
        return frame


class SyntheticAudioSource(AudioSource):
    """A 440 Hz tone in blocks of ``block_ms``."""

    def __init__(self, *, rate: int = 16000, block_ms: int = 100, t0_ms: int = 0,
                 blocks: int | None = None) -> None:  # fmt: skip
        self.rate, self.channels, self.block_ms = rate, 1, block_ms
        self.t0_ms, self.limit, self.n = t0_ms, blocks, 0

    def read(self) -> AudioBlock | None:
        if self.limit is not None and self.n >= self.limit:
            return None
        count = self.rate * self.block_ms // 1000
        start = self.n * count
        samples = (
            int(8000 * math.sin(2 * math.pi * 440 * (start + i) / self.rate)) for i in range(count)
        )
        pcm = struct.pack(f"<{count}h", *samples)
        block = AudioBlock(self.rate, 1, pcm, self.t0_ms + self.n * self.block_ms)
        self.n += 1
        return block


class WavFileAudioSource(AudioSource):
    """Plays a 16-bit WAV file as if it came from the microphone (ALSA file fake)."""

    def __init__(self, path: Path, *, block_ms: int = 100, t0_ms: int = 0) -> None:
        self._wav = wave.open(str(path), "rb")  # noqa: SIM115  # closed by close()
        if self._wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        self.rate, self.channels = self._wav.getframerate(), self._wav.getnchannels()
        self.block_ms, self.t0_ms, self.n = block_ms, t0_ms, 0

    def read(self) -> AudioBlock | None:
        pcm = self._wav.readframes(self.rate * self.block_ms // 1000)
        if not pcm:
            return None
        block = AudioBlock(self.rate, self.channels, pcm, self.t0_ms + self.n * self.block_ms)
        self.n += 1
        return block

    def close(self) -> None:
        self._wav.close()
