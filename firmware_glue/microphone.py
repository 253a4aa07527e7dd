"""The microphone (USB, through ALSA/PortAudio) as a ``media.AudioSource``.

``SoundDeviceMicrophone`` opens a ``sounddevice.RawInputStream`` (16-bit PCM) whose
callback, on PortAudio's thread, queues blocks; ``read`` hands them out. Block
timestamps count samples from the first block, so they stay gap-free when the
callback jitters; a block lost to a full queue still advances the clock and is
counted in ``dropped``. sounddevice (which loads PortAudio) is imported in the
constructor only; tests pass a stand-in module as ``backend``.

The fake microphone is ``media.WavFileAudioSource`` (a WAV file played as if
recorded); ``media.SyntheticAudioSource`` makes a tone.
"""

from __future__ import annotations

import importlib
import queue
import time
from collections.abc import Callable
from typing import Any

from .media import AudioBlock, AudioSource, WavFileAudioSource

__all__ = ["MicrophoneError", "SoundDeviceMicrophone", "WavFileAudioSource", "input_devices"]


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
