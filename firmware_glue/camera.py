"""The camera as the recorder needs it: H.264 segments written into a sink, cut at keyframes.

``Camera.record(sink, seconds)`` writes one segment — an H.264 Annex-B elementary
stream that starts with a keyframe (SPS/PPS repeated, so each segment plays alone)
— into ``sink`` (any object with ``write(bytes)``, e.g. the recorder's
``HashingFile``, which hashes as it writes) and returns what it wrote. Segments
are cut only at keyframes, so a segment is "about ``seconds``" long: up to one
keyframe interval more.

``Picamera2Camera`` is the Pi's driver (its hardware H.264 encoder); picamera2 is
imported in its constructor only, so importing this module needs no camera.
``FakeCamera`` feeds the same ``SegmentSplitter`` from a list of encoded frames —
an H.264 file (``from_h264``) or a synthetic, undecodable stream (``synthetic``).

Subclasses of ``Camera`` must implement ``record`` and may override ``close``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

START_CODE = b"\x00\x00\x00\x01"
NAL_IDR, NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD = 5, 6, 7, 8, 9


class CameraError(RuntimeError):
    """The camera stopped delivering frames, or was used after close."""


class Sink(Protocol):
    def write(self, data: bytes, /) -> Any: ...


@dataclass(frozen=True)
class EncodedFrame:
    data: bytes  # one access unit, Annex-B (start codes included)
    keyframe: bool
    ts_us: int  # the encoder's timestamp, microseconds, monotonic


@dataclass(frozen=True)
class SegmentInfo:
    frames: int
    size: int
    first_ts_us: int
    last_ts_us: int
    keyframe_start: bool  # always True unless stopped before any keyframe came


class SegmentSplitter:
    """Routes encoded frames into one sink per segment, cutting only at keyframes.

    ``frame`` is called by the encoder (its own thread on a Pi); ``record`` by the
    recorder. Frames that arrive while no segment is open (between two ``record``
    calls) wait in a bounded buffer, starting at a keyframe; when the buffer is full
    its oldest group of pictures is dropped and counted in ``dropped``.
    """

    def __init__(self, *, max_buffer_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_buffer_bytes = max_buffer_bytes
        self.dropped = 0
        self._cond = threading.Condition()
        self._pending: deque[EncodedFrame] = deque()
        self._pending_bytes = 0
        self._sink: Sink | None = None
        self._target_us = 0
        self._frames = self._size = self._first = self._last = 0
        self._done: SegmentInfo | None = None

    # --- encoder side ---------------------------------------------------------------

    def frame(self, f: EncodedFrame) -> None:
        with self._cond:
            self._route(f)

    def _route(self, f: EncodedFrame) -> None:
        if self._sink is not None:
            due = self._frames > 0 and f.ts_us - self._first >= self._target_us
            if not (f.keyframe and due):
                self._write(f)
                return
            self._finish()  # f opens the next segment
        self._buffer(f)

    def _buffer(self, f: EncodedFrame) -> None:
        if not self._pending and not f.keyframe:
            self.dropped += 1  # a segment must start with a keyframe
            return
        self._pending.append(f)
        self._pending_bytes += len(f.data)
        while self._pending_bytes > self.max_buffer_bytes and len(self._pending) > 1:
            self._drop_oldest_gop()

    def _drop_oldest_gop(self) -> None:
        first = True
        while self._pending and (first or not self._pending[0].keyframe):
            old = self._pending.popleft()
            self._pending_bytes -= len(old.data)
            self.dropped += 1
            first = False

    def _write(self, f: EncodedFrame) -> None:
        assert self._sink is not None
        self._sink.write(f.data)
        if self._frames == 0:
            self._first = f.ts_us
        self._frames += 1
        self._size += len(f.data)
        self._last = f.ts_us

    def _finish(self) -> None:
        self._done = SegmentInfo(self._frames, self._size, self._first, self._last, True)
        self._sink = None
        self._cond.notify_all()

    # --- recorder side --------------------------------------------------------------

    def open(self, sink: Sink, seconds: float) -> None:
        """Start a segment into ``sink``: buffered frames go in first."""
        if seconds <= 0:
            raise ValueError("a segment lasts more than 0 s")
        with self._cond:
            self._sink, self._target_us, self._done = sink, int(seconds * 1_000_000), None
            self._frames = self._size = self._first = self._last = 0
            waiting, self._pending, self._pending_bytes = self._pending, deque(), 0
            for f in waiting:  # may fill (and end) this segment; the rest waits again
                self._route(f)

    def wait(self, timeout: float) -> SegmentInfo | None:
        """The finished segment, or None if it did not finish within ``timeout``."""
        with self._cond:
            self._cond.wait_for(lambda: self._done is not None, timeout)
            return self._done

    def cut(self) -> SegmentInfo | None:
        """End the open segment now (the reception ended); None if none is open."""
        with self._cond:
            if self._sink is None:
                return self._done
            self._finish()
            return self._done

    @property
    def is_open(self) -> bool:
        with self._cond:
            return self._sink is not None


class Camera:
    container = "h264"

    def record(self, sink: Sink, seconds: float) -> SegmentInfo | None:
        """Write one segment into ``sink``; None when the source has ended."""
        raise NotImplementedError

    def cut(self) -> None:
        """Make a ``record`` running in another thread return now."""
        return None

    def close(self) -> None:
        return None


# --- H.264 Annex-B helpers (for the fake and for checks) --------------------------------


def nal_units(stream: bytes) -> Iterator[bytes]:
    """Split an Annex-B stream into NAL units (without start codes)."""
    starts: list[int] = []
    i = stream.find(b"\x00\x00\x01")
    while i != -1:
        starts.append(i + 3)
        i = stream.find(b"\x00\x00\x01", i + 3)
    for n, s in enumerate(starts):
        end = starts[n + 1] - 3 if n + 1 < len(starts) else len(stream)
        nal = stream[s:end]
        if n + 1 < len(starts) and nal.endswith(b"\x00"):
            nal = nal[:-1]  # the leading zero of the next 4-byte start code
        if nal:
            yield nal


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F


def access_units(stream: bytes, *, fps: float) -> Iterator[EncodedFrame]:
    """Group NAL units into pictures (access units), timestamped at ``fps``.

    A picture starts at an access unit delimiter, SPS, PPS or SEI, or at a slice whose
    ``first_mb_in_slice`` is 0 (its first header bit is 1, ue(v) of 0), so pictures
    made of several slices stay whole.
    """
    cur: list[bytes] = []
    has_slice = key = False
    n = 0
    for nal in nal_units(stream):
        t = nal_type(nal)
        is_slice = t in (1, NAL_IDR)
        first_slice = is_slice and len(nal) > 1 and bool(nal[1] & 0x80)
        if has_slice and (t in (NAL_AUD, NAL_SPS, NAL_PPS, NAL_SEI) or first_slice):
            yield EncodedFrame(b"".join(cur), key, int(n * 1e6 / fps))
            cur, has_slice, key, n = [], False, False, n + 1
        cur.append(START_CODE + nal)
        has_slice = has_slice or is_slice
        key = key or t == NAL_IDR
    if has_slice:
        yield EncodedFrame(b"".join(cur), key, int(n * 1e6 / fps))


def synthetic_stream(*, fps: float = 10, gop: int = 10, frames: int = 100) -> list[EncodedFrame]:
    """Frames shaped like the Pi encoder's (SPS+PPS+IDR every ``gop``), not decodable."""
    out = []
    for n in range(frames):
        key = n % gop == 0
        head = START_CODE + bytes([0x67, 0x42]) + START_CODE + bytes([0x68, 0xCE]) if key else b""
        # no 00 00 in a payload (real encoders insert emulation-prevention bytes)
        slice_ = START_CODE + bytes([0x65 if key else 0x41, 0x80]) + bytes([1 + n % 250]) * 32
        out.append(EncodedFrame(head + slice_, key, int(n * 1e6 / fps)))
    return out


class FakeCamera(Camera):
    """The real ``SegmentSplitter`` fed from a list of frames, synchronously."""

    def __init__(self, frames: Iterable[EncodedFrame]) -> None:
        self.splitter = SegmentSplitter()
        self._frames = iter(frames)
        self._ended = False

    @classmethod
    def from_h264(cls, path: Path, *, fps: float = 25) -> FakeCamera:
        return cls(access_units(path.read_bytes(), fps=fps))

    @classmethod
    def synthetic(cls, **kw: Any) -> FakeCamera:
        return cls(synthetic_stream(**kw))

    def record(self, sink: Sink, seconds: float) -> SegmentInfo | None:
        self.splitter.open(sink, seconds)
        while self.splitter.is_open:
            f = next(self._frames, None)
            if f is None:  # the file ended: close what we have
                self._ended = True
                info = self.splitter.cut()
                return info if info is not None and info.frames else None
            self.splitter.frame(f)
        return self.splitter.wait(0)


class Picamera2Camera(Camera):
    """The Pi camera (libcamera) with its hardware H.264 encoder, via picamera2."""

    def __init__(
        self,
        *,
        size: tuple[int, int] = (1280, 720),
        fps: int = 25,
        bitrate: int = 2_000_000,
        keyframe_every_s: float = 1.0,
        camera_num: int = 0,
        stall_s: float = 5.0,
    ) -> None:
        from picamera2 import Picamera2  # only on a Pi (python3-picamera2 from apt)
        from picamera2.encoders import H264Encoder
        from picamera2.outputs import Output

        self.splitter = splitter = SegmentSplitter()
        self.stall_s = stall_s

        class _ToSplitter(Output):
            # picamera2 calls outputframe(frame, keyframe, timestamp[, packet, audio])
            def outputframe(
                self,
                frame: Any,
                keyframe: bool = True,
                timestamp: Any = None,
                *args: Any,
                **kwargs: Any,
            ) -> None:
                if kwargs.get("audio"):
                    return
                splitter.frame(EncodedFrame(bytes(frame), bool(keyframe), int(timestamp or 0)))

        self._cam = Picamera2(camera_num)
        config = self._cam.create_video_configuration(
            main={"size": size}, controls={"FrameRate": fps}
        )
        self._cam.configure(config)
        # repeat=True: SPS/PPS before every keyframe, so each segment decodes alone
        self._encoder = H264Encoder(
            bitrate=bitrate, repeat=True, iperiod=max(1, round(fps * keyframe_every_s))
        )
        self._cam.start_recording(self._encoder, _ToSplitter())
        self._closed = False

    @property
    def picamera2(self) -> Any:
        """The running Picamera2 instance, for ``frames.Picamera2FrameSource.sharing``:
        identity takes uncompressed frames from the stream this camera encodes."""
        if self._closed:
            raise CameraError("camera closed")
        return self._cam

    def record(self, sink: Sink, seconds: float) -> SegmentInfo | None:
        if self._closed:
            raise CameraError("camera closed")
        self.splitter.open(sink, seconds)
        info = self.splitter.wait(seconds + self.stall_s)
        if info is None:
            self.splitter.cut()
            raise CameraError(f"摄像头 {seconds + self.stall_s:.0f} 秒内没有画面 (no frames)")
        return info

    def cut(self) -> None:
        self.splitter.cut()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.splitter.cut()
            self._cam.stop_recording()
            self._cam.close()
