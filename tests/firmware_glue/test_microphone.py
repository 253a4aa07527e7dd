"""The sounddevice driver with a stand-in PortAudio, and the WAV-file fake."""

from __future__ import annotations

import struct
import wave
from pathlib import Path
from typing import Any

import pytest

from firmware_glue.microphone import (
    MicrophoneError,
    SoundDeviceMicrophone,
    WavFileAudioSource,
    input_devices,
)


class FakeStream:
    def __init__(self, **kw: Any) -> None:
        self.kw, self.started, self.closed = kw, False, False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True

    def deliver(self, samples: list[int], status: int = 0) -> None:
        """What PortAudio's thread does: call back with one block of int16."""
        self.kw["callback"](struct.pack(f"<{len(samples)}h", *samples), len(samples), None, status)


class FakeSoundDevice:
    """The bits of the sounddevice module the driver uses."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.stream: FakeStream | None = None

    def RawInputStream(self, **kw: Any) -> FakeStream:  # sounddevice's name
        if self.fail:
            raise ValueError("No input device matching 'USB'")
        self.stream = FakeStream(**kw)
        return self.stream

    def query_devices(self) -> list[dict[str, Any]]:
        return [
            {"name": "USB PnP Sound Device", "max_input_channels": 1},
            {"name": "vc4-hdmi", "max_input_channels": 0},
        ]


def test_blocks_come_out_with_gap_free_timestamps() -> None:
    sd = FakeSoundDevice()
    now = [10_000]
    mic = SoundDeviceMicrophone(
        rate=16000, block_ms=100, backend=sd, clock_ms=lambda: now[0], queue_blocks=2, stall_s=0.05
    )
    stream = sd.stream
    assert stream is not None and stream.started
    assert stream.kw["dtype"] == "int16" and stream.kw["blocksize"] == 1600
    stream.deliver([1] * 1600)
    now[0] += 180  # the callback jitters; the timestamps do not
    stream.deliver([2] * 1600)
    stream.deliver([3] * 1600)  # the queue holds 2: this one is dropped, and counted
    a, b = mic.read(), mic.read()
    assert a is not None and b is not None
    assert (a.ts_ms, b.ts_ms) == (9_900, 10_000)
    assert a.pcm == struct.pack("<1600h", *([1] * 1600)) and (a.rate, a.channels) == (16000, 1)
    assert mic.dropped == 1
    stream.deliver([4] * 1600, status=1)  # input overflow flagged by PortAudio
    c = mic.read()
    assert c is not None and c.ts_ms == 10_200 and mic.overflows == 1
    with pytest.raises(MicrophoneError, match="没有声音"):
        mic.read()  # unplugged: nothing comes
    mic.close()
    assert stream.closed and mic.read() is None


def test_a_missing_device_is_a_clear_error() -> None:
    with pytest.raises(MicrophoneError, match="麦克风无法打开"):
        SoundDeviceMicrophone(device="USB", backend=FakeSoundDevice(fail=True))
    assert input_devices(FakeSoundDevice()) == ["USB PnP Sound Device"]


def test_the_fake_microphone_plays_a_wav_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x01\x00" * 4000)  # 250 ms
    src = WavFileAudioSource(path, block_ms=100)
    blocks = []
    while (b := src.read()) is not None:
        blocks.append(b)
    src.close()
    assert [len(b.pcm) for b in blocks] == [3200, 3200, 1600]
    assert [b.ts_ms for b in blocks] == [0, 100, 200]
