"""Frames for face checks: the shipped fakes, picamera2's pixel formats, sharing the one
Picamera2 instance with the recorder, and clips from the microphone's fakes."""

from __future__ import annotations

import struct
import sys
import types
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_glue.frames import (
    ArrayFrameSource,
    FrameSourceError,
    ImageFileFrameSource,
    Picamera2FrameSource,
    to_bgr,
)
from firmware_glue.media import SyntheticAudioSource
from firmware_glue.microphone import MicrophoneError, WavPlaylist, record_clip


def frame(value: int, h: int = 48, w: int = 64) -> np.ndarray:
    return np.full((h, w, 3), value, np.uint8)


def test_array_source_plays_frames_in_order_and_loops() -> None:
    cam = ArrayFrameSource([frame(1), frame(2), frame(3)])
    slept: list[float] = []
    got = cam.capture(5, interval_s=0.25, sleep=slept.append)
    assert [int(f[0, 0, 0]) for f in got] == [1, 2, 3, 1, 2]
    assert slept == [0.25] * 4 and cam.grabbed == 5
    got[0][:] = 99  # a caller scribbling on a frame does not change the scene
    cam.show([frame(7)])  # someone else in front of the camera now
    assert int(cam.grab()[0, 0, 0]) == 7
    with pytest.raises(ValueError):
        cam.capture(0)


def test_array_source_refuses_what_is_not_a_bgr_frame() -> None:
    with pytest.raises(FrameSourceError):
        ArrayFrameSource([np.zeros((4, 4), np.uint8)])
    with pytest.raises(FrameSourceError):
        ArrayFrameSource([np.zeros((4, 4, 3), np.float32)])
    with pytest.raises(FrameSourceError, match="no frames"):
        ArrayFrameSource().grab()


def test_image_files_in_name_order_with_prepare(tmp_path: Path) -> None:
    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless not installed")
    for name, v in (("b.png", 20), ("a.png", 10), ("c.pgm", 30)):
        cv2.imwrite(str(tmp_path / name), np.full((40, 30), v, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    cam = ImageFileFrameSource(tmp_path, prepare=lambda f: f[:20])
    got = cam.capture(3)
    assert [int(f[0, 0, 0]) for f in got] == [10, 20, 30]
    assert got[0].shape == (20, 30, 3)  # grey files come out as BGR, then prepared
    (tmp_path / "empty").mkdir()
    with pytest.raises(FrameSourceError, match="no image files"):
        ImageFileFrameSource(tmp_path / "empty")
    with pytest.raises(FrameSourceError, match="not an image"):
        ImageFileFrameSource([tmp_path / "notes.txt"])


def test_picamera2_formats_come_out_as_bgr() -> None:
    px = np.array([[[1, 2, 3, 255]]], np.uint8)  # bytes in memory order
    assert to_bgr(px, "XRGB8888").tolist() == [[[1, 2, 3]]]  # B,G,R,X already
    assert to_bgr(px, "XBGR8888").tolist() == [[[3, 2, 1]]]  # R,G,B,X → reversed
    assert to_bgr(px[..., :3], "RGB888").tolist() == [[[1, 2, 3]]]
    assert to_bgr(px[..., :3], "BGR888").tolist() == [[[3, 2, 1]]]
    with pytest.raises(FrameSourceError, match="YUV420"):
        to_bgr(px, "YUV420")


class _Job:
    pass


class _StandInPicamera2:
    """The bits of Picamera2 the frame source and the recorder's camera use."""

    def __init__(self, num: int = 0, *, stall_after: int | None = None) -> None:
        self.num, self.started, self.closed, self.recording = num, False, False, False
        self.camera_config: dict[str, Any] = {}
        self.captured = 0
        self.stall_after = stall_after

    def create_video_configuration(self, **kw: Any) -> dict[str, Any]:
        main = {"format": "XBGR8888"} | dict(kw.get("main", {}))
        return {"main": main} | {k: v for k, v in kw.items() if k != "main"}

    def configure(self, config: dict[str, Any]) -> None:
        self.camera_config = config

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def start_recording(self, encoder: Any, output: Any) -> None:
        self.recording = True

    def stop_recording(self) -> None:
        self.recording = False

    def close(self) -> None:
        self.closed = True

    def capture_array(self, name: str = "main", wait: Any = None) -> _Job:
        assert name == "main" and wait is False
        return _Job()

    def wait(self, job: _Job, timeout: float | None = None) -> np.ndarray:
        if self.stall_after is not None and self.captured >= self.stall_after:
            raise TimeoutError
        self.captured += 1
        w, h = self.camera_config["main"]["size"]
        channels = 4 if self.camera_config["main"]["format"].startswith("X") else 3
        out = np.zeros((h, w, channels), np.uint8)
        out[..., 0] = 200  # first byte in memory: R in XBGR8888, B in RGB888
        return out


@pytest.fixture
def picamera2_modules(monkeypatch: pytest.MonkeyPatch) -> list[_StandInPicamera2]:
    made: list[_StandInPicamera2] = []

    def make(num: int = 0) -> _StandInPicamera2:
        made.append(_StandInPicamera2(num))
        return made[-1]

    root = types.ModuleType("picamera2")
    root.Picamera2 = make  # type: ignore[attr-defined]
    enc = types.ModuleType("picamera2.encoders")
    enc.H264Encoder = lambda **kw: kw  # type: ignore[attr-defined]
    out = types.ModuleType("picamera2.outputs")
    out.Output = object  # type: ignore[attr-defined]
    for name, mod in (("picamera2", root), ("picamera2.encoders", enc),
                      ("picamera2.outputs", out)):  # fmt: skip
        monkeypatch.setitem(sys.modules, name, mod)
    return made


def test_frames_from_the_recorders_camera_share_its_one_instance(picamera2_modules) -> None:
    from firmware_glue.camera import Picamera2Camera

    rec = Picamera2Camera(size=(64, 48), fps=10)
    frames = Picamera2FrameSource.sharing(rec)
    got = frames.capture(2)
    assert len(picamera2_modules) == 1  # no second Picamera2 on the same camera
    pc = picamera2_modules[0]
    assert pc.recording and pc.captured == 2
    assert got[0].shape == (48, 64, 3) and got[0][0, 0].tolist() == [0, 0, 200]  # R → BGR
    frames.close()  # not the owner: the recording goes on
    assert pc.recording and not pc.closed
    rec.close()
    assert pc.closed


def test_a_camera_of_its_own_when_nothing_records(picamera2_modules) -> None:
    frames = Picamera2FrameSource.open(size=(32, 24))
    pc = picamera2_modules[0]
    assert pc.started and pc.camera_config["main"] == {"format": "RGB888", "size": (32, 24)}
    assert frames.grab()[0, 0].tolist() == [200, 0, 0]  # RGB888 is B,G,R in memory
    pc.stall_after = 1
    with pytest.raises(FrameSourceError, match="没有画面"):
        frames.grab()
    frames.close()
    assert pc.closed and not pc.started
    with pytest.raises(FrameSourceError, match="closed"):
        frames.grab()


def _wav(path: Path, samples: list[int], rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def test_record_clip_takes_seconds_from_any_source(tmp_path: Path) -> None:
    tone = record_clip(SyntheticAudioSource(rate=16000, block_ms=100), 1.25)
    assert tone.rate == 16000 and len(tone.pcm) == 20000 * 2
    short = _wav(tmp_path / "short.wav", [5] * 4000)  # half a second at 8 kHz
    clip = record_clip(WavPlaylist([short])(), 3.0)
    assert clip.rate == 8000 and len(clip.pcm) == 8000  # the file ended first
    with pytest.raises(MicrophoneError):
        record_clip(SyntheticAudioSource(blocks=0), 1.0)


def test_wav_playlist_opens_the_next_file_each_time(tmp_path: Path) -> None:
    _wav(tmp_path / "b.wav", [2] * 80)
    _wav(tmp_path / "a.wav", [1] * 80)
    mic = WavPlaylist(tmp_path)
    firsts = []
    for _ in range(3):
        src = mic()
        block = src.read()
        assert block is not None
        firsts.append(struct.unpack("<h", block.pcm[:2])[0])
        src.close()
    assert firsts == [1, 2, 1] and mic.opened == 3
    with pytest.raises(MicrophoneError):
        WavPlaylist(tmp_path / "none")
