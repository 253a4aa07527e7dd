"""Segments cut at keyframes, written into a hashing sink, from the fake camera."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from firmware_glue.camera import (
    NAL_IDR,
    EncodedFrame,
    FakeCamera,
    SegmentSplitter,
    access_units,
    nal_type,
    nal_units,
    synthetic_stream,
)


class HashingSink:
    """Stands in for appliance.recording.spool.HashingFile: hashes as it is written."""

    def __init__(self) -> None:
        self.h, self.data = hashlib.sha256(), bytearray()

    def write(self, b: bytes) -> int:
        self.h.update(b)
        self.data += b
        return len(b)


def test_segments_start_at_keyframes_and_lose_nothing() -> None:
    frames = synthetic_stream(fps=10, gop=10, frames=95)
    cam = FakeCamera(frames)
    sinks, infos = [], []
    while True:
        sink = HashingSink()
        info = cam.record(sink, 2.0)
        if info is None:
            break
        sinks.append(sink)
        infos.append(info)
    assert [i.frames for i in infos] == [20, 20, 20, 20, 15]  # the last one: the file ended
    for sink in sinks:
        first = next(nal_units(bytes(sink.data)))
        assert nal_type(first) == 7  # SPS: each segment decodes on its own
    assert b"".join(bytes(s.data) for s in sinks) == b"".join(f.data for f in frames)
    assert infos[1].first_ts_us == 2_000_000
    assert sinks[0].h.hexdigest() == hashlib.sha256(bytes(sinks[0].data)).hexdigest()


def test_a_segment_runs_on_to_the_next_keyframe() -> None:
    cam = FakeCamera.synthetic(fps=10, gop=15, frames=60)
    info = cam.record(HashingSink(), 1.0)  # keyframes every 1.5 s
    assert info is not None and info.frames == 15


def test_frames_between_segments_wait_and_a_full_buffer_drops_whole_gops() -> None:
    sp = SegmentSplitter(max_buffer_bytes=300)
    for f in synthetic_stream(fps=10, gop=3, frames=9):
        sp.frame(f)  # nobody recording: buffered
    assert sp.dropped > 0
    sink = HashingSink()
    sp.open(sink, 10.0)
    first = next(nal_units(bytes(sink.data)))
    assert nal_type(first) == 7  # still starts with a keyframe
    sp.frame(EncodedFrame(b"\x00\x00\x00\x01\x41zz", False, 5_000_000))
    info = sp.cut()  # the reception ended mid-segment
    assert info is not None and info.last_ts_us == 5_000_000 and not sp.is_open


def test_frames_before_the_first_keyframe_are_dropped() -> None:
    sp = SegmentSplitter()
    sp.frame(EncodedFrame(b"\x00\x00\x00\x01\x41", False, 0))
    assert sp.dropped == 1
    assert sp.wait(0) is None


def test_annex_b_parsing_groups_parameter_sets_with_the_next_slice() -> None:
    sc = b"\x00\x00\x00\x01"
    # first_mb_in_slice 0 (top bit 1) starts a picture; 0x41 0x40…: a second slice of it
    stream = sc + b"\x67a" + sc + b"\x68b" + b"\x00\x00\x01\x65\x88" + sc + b"\x41\x80"
    stream += sc + b"\x41\x40" + sc + b"\x41\x80"
    aus = list(access_units(stream, fps=25))
    assert [a.keyframe for a in aus] == [True, False, False]
    assert [a.ts_us for a in aus] == [0, 40_000, 80_000]
    assert [nal_type(n) for n in nal_units(aus[1].data)] == [1, 1]  # two slices, one picture
    assert [nal_type(n) for n in nal_units(aus[1].data)] == [1, 1]  # two slices, one picture
    assert [nal_type(n) for n in nal_units(aus[0].data)] == [7, 8, NAL_IDR]


def encode_h264(path: Path, *, frames: int, fps: int, gop: int) -> None:
    """A real H.264 stream as the Pi's encoder makes it: no B-frames, SPS/PPS repeated
    before every keyframe (picamera2's ``repeat=True``), a keyframe every ``gop``."""
    av = pytest.importorskip("av", reason="PyAV (pip install av) encodes real H.264 here")
    import numpy as np

    with av.open(str(path), "w", format="h264") as out:
        st = out.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt = 160, 120, "yuv420p"
        st.options = {"x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:"
                      "repeat-headers=1", "tune": "zerolatency"}  # fmt: skip
        for n in range(frames):
            img = np.zeros((120, 160, 3), np.uint8)
            img[:, :, 0] = (np.arange(160) + 3 * n) % 256
            for packet in st.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in st.encode():
            out.mux(packet)


def decoded_frames(path: Path) -> int:
    import av

    with av.open(str(path), format="h264") as f:
        return sum(1 for _ in f.decode(video=0))


def test_a_real_h264_stream_splits_into_segments_that_each_decode(tmp_path: Path) -> None:
    src = tmp_path / "in.h264"
    encode_h264(src, frames=45, fps=10, gop=10)
    cam = FakeCamera.from_h264(src, fps=10)
    infos = []
    for i in range(5):
        with (tmp_path / f"seg{i}.h264").open("wb") as f:
            info = cam.record(f, 1.0)
        if info is None:
            break
        infos.append(info)
    assert [i.frames for i in infos] == [10, 10, 10, 10, 5]
    for i, info in enumerate(infos):  # every segment plays on its own, whole
        assert decoded_frames(tmp_path / f"seg{i}.h264") == info.frames


class _FakeOutput:
    """picamera2.outputs.Output as far as the driver uses it."""


class _FakeH264Encoder:
    def __init__(self, **kw: object) -> None:
        self.kw = kw


class _FakePicamera2:
    last: _FakePicamera2 | None = None

    def __init__(self, num: int = 0) -> None:
        self.num, self.closed = num, False
        self.output: Any = None
        self.config: Any = None
        self.encoder: Any = None
        _FakePicamera2.last = self

    def create_video_configuration(self, **kw: object) -> dict[str, object]:
        return kw

    def configure(self, config: object) -> None:
        self.config = config

    def start_recording(self, encoder: _FakeH264Encoder, output: object) -> None:
        self.encoder, self.output = encoder, output

    def stop_recording(self) -> None:
        self.output = None

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_picamera2(monkeypatch: pytest.MonkeyPatch) -> type[_FakePicamera2]:
    """Stand-in picamera2 modules: the driver's glue runs; no camera is touched."""
    import sys
    import types

    root = types.ModuleType("picamera2")
    root.Picamera2 = _FakePicamera2  # type: ignore[attr-defined]
    enc = types.ModuleType("picamera2.encoders")
    enc.H264Encoder = _FakeH264Encoder  # type: ignore[attr-defined]
    out = types.ModuleType("picamera2.outputs")
    out.Output = _FakeOutput  # type: ignore[attr-defined]
    for name, mod in (("picamera2", root), ("picamera2.encoders", enc),
                      ("picamera2.outputs", out)):  # fmt: skip
        monkeypatch.setitem(sys.modules, name, mod)
    return _FakePicamera2


def test_the_picamera2_driver_routes_encoder_frames_into_segments(fake_picamera2) -> None:
    import threading

    from firmware_glue.camera import CameraError, Picamera2Camera

    cam = Picamera2Camera(size=(640, 480), fps=10, keyframe_every_s=1.0, stall_s=0.5)
    pc = fake_picamera2.last
    assert pc is not None and pc.output is not None
    assert pc.encoder.kw["repeat"] is True and pc.encoder.kw["iperiod"] == 10
    assert pc.config == {"main": {"size": (640, 480)}, "controls": {"FrameRate": 10}}

    def encoder_thread() -> None:  # how picamera2 calls its output
        for f in synthetic_stream(fps=10, gop=10, frames=35):
            pc.output.outputframe(f.data, f.keyframe, f.ts_us)
        pc.output.outputframe(b"aac", True, 0, None, audio=True)  # audio is not ours

    sink = HashingSink()
    t = threading.Thread(target=encoder_thread)
    cam.splitter.open(sink, 1.0)  # open before frames flow, as record() would
    t.start()
    t.join()
    info = cam.splitter.wait(5)
    assert info is not None and info.frames == 10
    nxt = cam.record(HashingSink(), 1.0)  # buffered frames form the next segment
    assert nxt is not None and nxt.frames == 10 and nxt.first_ts_us == 1_000_000
    cam.record(HashingSink(), 1.0)
    with pytest.raises(CameraError, match="没有画面"):
        cam.record(HashingSink(), 1.0)  # 5 frames left, then the encoder went quiet
    cam.close()
    assert pc.closed
    with pytest.raises(CameraError, match="closed"):
        cam.record(HashingSink(), 1.0)


def test_the_synthetic_stream_parses_back_into_the_same_frames() -> None:
    frames = synthetic_stream(fps=10, gop=5, frames=12)
    again = list(access_units(b"".join(f.data for f in frames), fps=10))
    assert again == frames
