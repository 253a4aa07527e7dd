"""Browser-playable copies of stored video segments: derived, never evidence.

A box records video either as an H.264 Annex-B elementary stream (the Pi camera's
hardware encoder) or as Y4M (raw frames, from the synthetic camera of the demo and
the tests). Browsers play neither, so the console asks for a copy:

* H.264 Annex B → MP4 by **remuxing**: the recorded pictures are copied into the
  container bit for bit, only timestamps are added (the stream has none). Streams
  with B-frames are refused: their presentation order cannot be rebuilt without
  decoding, and a copy that showed frames out of order would mislead.
* Y4M → WebM/VP8 by encoding (raw frames have nothing to remux); VP8 because every
  Chromium build plays it and libvpx ships inside PyAV's wheels.

The copy is cached under ``root/ab/cd/<sha256>.<ext>``, keyed by the *original*
segment's SHA-256, next to (never inside) the blob store; the stored segment is only
read. Each copy names its origin in its container metadata. The work is bounded by
a size limit, and every failure is a ``PlaybackError`` with a reason and a sentence
for the console (the download of the original stays offered).

Errors::

    PlaybackError (ValueError)
    ├── PlaybackUnavailable   PyAV is not installed (status 503)
    ├── NotConvertible        not a video container we convert (415)
    ├── SegmentTooLarge       over the size limit (413)
    └── MalformedSegment      the bytes do not demux/decode as announced (422)

PyAV is imported on first use only, so importing this module needs no FFmpeg.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from .errors import EvidenceLogError

MAX_SOURCE_BYTES = 256 * 1024 * 1024  # a few minutes of 720p H.264, ~190 raw 720p frames
MAX_PIXELS = 1920 * 1080
# container → (extension of the copy, media type of the copy)
TARGETS = {"h264": ("mp4", "video/mp4"), "y4m": ("webm", "video/webm")}
DEFAULT_H264_FPS = 25  # the Pi camera's rate, when neither the manifest nor the SPS says


class PlaybackError(EvidenceLogError, ValueError):
    status = 422

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class PlaybackUnavailable(PlaybackError):
    status = 503


class NotConvertible(PlaybackError):
    status = 415


class SegmentTooLarge(PlaybackError):
    status = 413


class MalformedSegment(PlaybackError):
    status = 422


@dataclass(frozen=True)
class Playable:
    path: Path
    media_type: str
    filename: str  # what a download of the copy is called: it says it is a copy


def pyav_missing() -> str | None:
    """Why no copy can be made on this server, or None when PyAV is installed."""
    try:
        import av  # noqa: F401
    except ImportError:
        return "服务器未安装 PyAV（av 包），无法生成可播放副本，请下载原始片段"
    return None


def offer(container: str, size: int, *, max_bytes: int = MAX_SOURCE_BYTES) -> str | None:
    """What the console may promise before trying: None if a copy can be attempted,
    else the sentence to show beside the download link."""
    if container not in TARGETS:
        return None if container in ("mp4", "webm") else f"{container} 格式不转换，请下载"
    if size > max_bytes:
        return f"片段 {size // 2**20} MB，超过在线播放上限 {max_bytes // 2**20} MB，请下载"
    return pyav_missing()


def _av() -> Any:
    try:
        import av
    except ImportError as e:
        raise PlaybackUnavailable(
            pyav_missing() or "PyAV unavailable", reason="pyav_missing"
        ) from e
    return av


class PlaybackCache:
    """Makes and keeps the playable copies of segments, keyed by their SHA-256."""

    def __init__(self, root: Path, *, max_bytes: int = MAX_SOURCE_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, sha256: str, container: str) -> Path:
        ext = TARGETS[container][0]
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{ext}"

    @contextmanager
    def _one_at_a_time(self, sha256: str) -> Iterator[None]:
        # two viewers opening the same segment at once convert it once
        with self._guard:
            lock = self._locks.setdefault(sha256, threading.Lock())
        with lock:
            yield

    def playable(
        self, source: Path, *, sha256: str, container: str, duration_ms: int | None = None
    ) -> Playable:
        """The copy of ``source`` (the stored segment with hash ``sha256``), made if
        not cached. ``duration_ms`` (from the signed manifest) times an H.264 stream,
        which carries no timestamps of its own."""
        if container not in TARGETS:
            raise NotConvertible(f"{container} 格式不转换为可播放副本", reason="not_convertible")
        ext, media_type = TARGETS[container]
        playable = Playable(
            self.path(sha256, container), media_type, f"{sha256[:12]}-播放副本.{ext}"
        )
        if playable.path.exists():
            _touch(playable.path)  # recently watched copies outlive the others in prune
            return playable
        size = source.stat().st_size
        if size > self.max_bytes:
            raise SegmentTooLarge(
                f"片段 {size} 字节，超过在线播放上限 {self.max_bytes} 字节，请下载原始片段",
                reason="too_large",
            )
        av = _av()
        with self._one_at_a_time(sha256):
            if playable.path.exists():
                return playable
            playable.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=playable.path.parent, suffix=f".{ext}.tmp")
            os.close(fd)
            tmp = Path(tmp_name)
            note = f"zhifang playback copy of segment sha256={sha256}; derived, not evidence"
            try:
                if container == "h264":
                    remux_h264(av, source, tmp, duration_ms=duration_ms, comment=note)
                else:
                    y4m_to_webm(av, source, tmp, comment=note)
            except (av.error.FFmpegError, ValueError, EOFError) as e:
                tmp.unlink(missing_ok=True)
                if isinstance(e, PlaybackError):
                    raise
                why = getattr(e, "strerror", None) or type(e).__name__  # not the server's path
                raise MalformedSegment(
                    f"片段无法转换为可播放格式（{why}），请下载原始片段", reason="malformed"
                ) from e
            except BaseException:
                tmp.unlink(missing_ok=True)  # a disk error is the server's, not the segment's
                raise
            os.replace(tmp, playable.path)
        return playable

    def prune(self, max_bytes: int, *, now: float | None = None) -> tuple[int, int]:
        """Delete the least recently watched copies until the cache holds at most
        ``max_bytes`` (and any half-written temporary older than an hour). The copies
        are derived: any of them is made again from its segment on the next viewing.
        Returns (files removed, bytes kept)."""
        now = time.time() if now is None else now
        removed, copies = 0, []
        for f in self.root.rglob("*") if self.root.exists() else ():
            if not f.is_file():
                continue
            st = f.stat()
            if f.name.endswith(".tmp"):
                if now - st.st_mtime > 3600:  # a conversion that died with its process
                    f.unlink(missing_ok=True)
                    removed += 1
                continue
            copies.append((st.st_mtime, st.st_size, f))
        total = sum(size for _, size, _ in copies)
        for _, size, f in sorted(copies):  # least recently made or watched first
            if total <= max_bytes:
                break
            f.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed, total


def _touch(path: Path) -> None:
    with suppress(OSError):  # read-only, or raced with prune: it is only a cache hint
        os.utime(path)


def remux_h264(av: Any, source: Path, dest: Path, *, duration_ms: int | None, comment: str) -> int:
    """Copy an Annex-B stream's pictures into MP4 (no re-encoding); returns the count."""
    with av.open(str(source), format="h264") as inp:
        if not inp.streams.video:
            raise MalformedSegment("片段中没有 H.264 视频流，请下载原始片段", reason="malformed")
        ist = inp.streams.video[0]
        cc = ist.codec_context
        if not cc.width or not cc.height:
            raise MalformedSegment(
                "H.264 流缺少有效的 SPS（画面尺寸未知），请下载原始片段", reason="malformed"
            )
        if cc.width * cc.height > MAX_PIXELS:
            raise SegmentTooLarge(
                f"画面 {cc.width}x{cc.height} 超过在线播放上限", reason="too_large"
            )
        if cc.has_b_frames:
            raise MalformedSegment(
                "H.264 流含 B 帧，无法不重新编码地转封装，请下载原始片段", reason="b_frames"
            )
        count = sum(1 for p in inp.demux(ist) if p.size)
    if count == 0:
        raise MalformedSegment("片段中没有完整的视频帧，请下载原始片段", reason="malformed")
    if duration_ms and duration_ms > 0:
        rate = Fraction(count * 1000, duration_ms).limit_denominator(1001)
    else:
        rate = Fraction(ist.average_rate or DEFAULT_H264_FPS)
    time_base = Fraction(1, 90000)
    with (
        av.open(str(source), format="h264") as inp,
        av.open(str(dest), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        ost.time_base = time_base
        out.metadata["comment"] = comment
        n = 0
        for pkt in inp.demux(ist):
            if not pkt.size:
                continue
            # no B-frames (checked above): presentation order is decode order
            pkt.pts = pkt.dts = round(n / rate / time_base)
            pkt.duration = round(1 / rate / time_base)
            pkt.time_base = time_base
            pkt.stream = ost
            out.mux(pkt)
            n += 1
    return n


def y4m_to_webm(av: Any, source: Path, dest: Path, *, comment: str) -> int:
    """Encode a Y4M file's frames as WebM/VP8 at the same rate; returns the count."""
    with av.open(str(source), format="yuv4mpegpipe") as inp:
        if not inp.streams.video:
            raise MalformedSegment("片段中没有 Y4M 视频流，请下载原始片段", reason="malformed")
        ist = inp.streams.video[0]
        w, h = ist.codec_context.width, ist.codec_context.height
        if not w or not h:
            raise MalformedSegment("Y4M 文件头缺少画面尺寸，请下载原始片段", reason="malformed")
        if w * h > MAX_PIXELS:
            raise SegmentTooLarge(f"画面 {w}x{h} 超过在线播放上限", reason="too_large")
        rate = Fraction(ist.average_rate or ist.guessed_rate or 10)
        with av.open(str(dest), "w", format="webm") as out:
            out.metadata["comment"] = comment
            ost = out.add_stream("libvpx", rate=rate)
            ost.width, ost.height, ost.pix_fmt = w, h, "yuv420p"
            ost.bit_rate = max(200_000, w * h * 4)  # ~1 Mbit/s at 640x360: plenty to review
            ost.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
            n = 0
            for frame in inp.decode(ist):
                frame.pts = n
                frame.time_base = 1 / rate
                out.mux(ost.encode(frame.reformat(format="yuv420p")))
                n += 1
            out.mux(ost.encode(None))
    if n == 0:
        raise MalformedSegment("片段中没有完整的视频帧，请下载原始片段", reason="malformed")
    return n
