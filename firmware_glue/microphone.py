"""The microphone (USB, through ALSA/PortAudio) as a ``media.AudioSource``.

``SoundDeviceMicrophone`` opens a ``sounddevice.RawInputStream`` (16-bit PCM) whose
callback, on PortAudio's thread, queues blocks; ``read`` hands them out. Block
timestamps count samples from the first block, so they stay gap-free when the
callback jitters; a block lost to a full queue still advances the clock and is
counted in ``dropped``. sounddevice (which loads PortAudio) is imported in the
constructor only; tests pass a stand-in module as ``backend``.

The fake microphone is ``media.WavFileAudioSource`` (a WAV file played as if
recorded); ``media.SyntheticAudioSource`` makes a tone. ``WavPlaylist`` opens the next
file of a list each time it is called (a fake for "open the microphone, take a clip").

``record_clip(source, seconds)`` takes a few seconds from any source as one block (the
voice check). The box's ALSA config shares the microphone through dsnoop, so a clip can
be taken while the recorder reads the same microphone.
"""

from __future__ import annotations

import importlib
import queue
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .media import AudioBlock, AudioSource, WavFileAudioSource

__all__ = [
    "MicrophoneError",
    "SoundDeviceMicrophone",
    "WavFileAudioSource",
    "WavPlaylist",
    "input_devices",
    "record_clip",
]


class MicrophoneError(RuntimeError):
    """No audio arrives (unplugged, wrong device) or the device cannot be opened."""


class SoundDeviceMicrophone(AudioSource):
    def __init__(
        self,
        *,
        device: int | str | None = None,
        rate: int = 16000,
        channels: int = 1,
        block_ms: int = 100,
        queue_blocks: int = 100,
        stall_s: float = 2.0,
        backend: Any = None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        sd = backend if backend is not None else importlib.import_module("sounddevice")
        self.rate, self.channels, self.block_ms = rate, channels, block_ms
        self.stall_s = stall_s
        self.dropped = self.overflows = 0
        self._clock_ms = clock_ms
        self._q: queue.Queue[AudioBlock] = queue.Queue(maxsize=queue_blocks)
        self._t0_ms: int | None = None
        self._samples = 0
        try:
            self._stream = sd.RawInputStream(
                samplerate=rate,
                channels=channels,
                dtype="int16",
                blocksize=rate * block_ms // 1000,
                device=device,
                callback=self._callback,
            )
            self._stream.start()
        except Exception as e:  # PortAudioError, ValueError for an unknown device name
            raise MicrophoneError(
                f"麦克风无法打开 (cannot open input device {device!r}): {e}"
            ) from e
        self._closed = False

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        # PortAudio's thread: no blocking, no exceptions out
        if status:
            self.overflows += 1
        if self._t0_ms is None:
            self._t0_ms = self._clock_ms() - frames * 1000 // self.rate
        ts = self._t0_ms + self._samples * 1000 // self.rate
        self._samples += frames
        try:
            self._q.put_nowait(AudioBlock(self.rate, self.channels, bytes(indata), ts))
        except queue.Full:
            self.dropped += 1

    def read(self) -> AudioBlock | None:
        """The next block; None once closed. Raises ``MicrophoneError`` on a stall."""
        if self._closed and self._q.empty():
            return None
        try:
            return self._q.get(timeout=self.stall_s)
        except queue.Empty:
            if self._closed:
                return None
            raise MicrophoneError(f"麦克风 {self.stall_s:.0f} 秒没有声音数据 (no audio)") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._stream.stop()
            self._stream.close()


def input_devices(backend: Any = None) -> list[str]:
    """Names of the input devices PortAudio sees (for the installer's check)."""
    sd = backend if backend is not None else importlib.import_module("sounddevice")
    return [d["name"] for d in sd.query_devices() if d.get("max_input_channels", 0) > 0]


def record_clip(source: AudioSource, seconds: float) -> AudioBlock:
    """About ``seconds`` of audio from ``source`` as one block (less if it ends first).

    Raises ``MicrophoneError`` when nothing at all came."""
    if seconds <= 0:
        raise ValueError("a clip lasts more than 0 s")
    parts: list[bytes] = []
    rate, channels, ts = source.rate, source.channels, None
    want = got = 0
    while True:
        block = source.read()
        if block is None:
            break
        if ts is None:
            rate, channels, ts = block.rate, block.channels, block.ts_ms
            want = int(seconds * rate) * channels * 2
        parts.append(block.pcm)
        got += len(block.pcm)
        if got >= want:
            break
    if ts is None:
        raise MicrophoneError("麦克风没有声音数据 (the source gave no audio)")
    return AudioBlock(rate, channels, b"".join(parts)[:want], ts)


class WavPlaylist:
    """Opens WAV files in turn, from the first again after the last: a fake microphone
    opener, where each check opens the microphone and takes one clip."""

    def __init__(self, paths: Path | Sequence[Path], *, block_ms: int = 100) -> None:
        if isinstance(paths, Path):
            if not paths.is_dir():
                raise MicrophoneError(f"{paths}: no such folder")
            paths = sorted(paths.glob("*.wav"))
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise MicrophoneError("no WAV files for the fake microphone")
        self.block_ms, self.opened = block_ms, 0

    def __call__(self) -> WavFileAudioSource:
        path = self.paths[self.opened % len(self.paths)]
        self.opened += 1
        return WavFileAudioSource(path, block_ms=self.block_ms)
