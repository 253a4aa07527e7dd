"""Record a reception as signed, chained segments into the spool.

Each segment is encoded straight into a ``HashingFile`` (hashed per chunk as it is
written), made durable, and only then gets its manifest. The newest segment's
manifest is signed when the next segment starts or the reception stops, so the
last one can say ``final``; after a power cut ``recover`` signs the leftover
segment as final (the recording did end there).
"""

from __future__ import annotations

import hashlib
import io
import time
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware_glue.media import AudioBlock, VideoFrame
from protocol import keys
from protocol.evidence import Participant, SegmentManifest, SignedManifest, sign_manifest

from .spool import HashingFile, Spool

CHUNK = 64 * 1024


def write_y4m(out: HashingFile, frames: Iterable[VideoFrame], fps: int) -> int:
    """YUV4MPEG2 (playable by ffmpeg/mpv): a header line, then ``FRAME\\n`` + I420."""
    n = 0
    for f in frames:
        if n == 0:
            out.write(f"YUV4MPEG2 W{f.width} H{f.height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        out.write(b"FRAME\n")
        out.write(f.yuv420)
        n += 1
    return n


def write_wav(out: HashingFile, blocks: Iterable[AudioBlock]) -> int:
    """A WAV segment: a few seconds of PCM is small, so build it, then stream it out."""
    blocks = list(blocks)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(blocks[0].channels if blocks else 1)
        w.setsampwidth(2)
        w.setframerate(blocks[0].rate if blocks else 16000)
        for b in blocks:
            w.writeframes(b.pcm)
    data = buf.getvalue()
    for i in range(0, len(data), CHUNK):
        out.write(data[i : i + CHUNK])
    return len(blocks)


@dataclass
class _Pending:
    index: int
    media: str
    container: str
    sha256: str
    size: int
    start_ms: int
    end_ms: int


class Recorder:
    def __init__(
        self,
        spool: Spool,
        *,
        key: Ed25519PrivateKey,
        device: str,
        clock: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.spool, self.key, self.device, self.clock = spool, key, device, clock
        self.reception_id: str | None = None
        self.participants: tuple[Participant, ...] = ()
        self._next = 0
        self._prev: str | None = None
        self._pending: _Pending | None = None

    def start(self, reception_id: str, participants: Iterable[Participant] = ()) -> None:
        self.reception_id = reception_id
        self.participants = tuple(participants)
        done = self.spool.manifests(reception_id)
        self._next = len(done)
        self._prev = done[-1].manifest_hash() if done else None

    def add_participant(self, p: Participant) -> None:
        """A third party joined: recorded from the next signed manifest on."""
        self.participants = (*self.participants, p)

    def write_segment(
        self,
        media: str,
        container: str,
        encode: Callable[[HashingFile], object],
        *,
        start_ms: int,
        end_ms: int,
    ) -> None:
        if self.reception_id is None:
            raise RuntimeError("no reception started")
        out = self.spool.new_segment(self.reception_id, self._next, container)
        try:
            encode(out)
        except BaseException:
            out.abort()
            raise
        sha, size = out.commit()  # durable before any manifest names it
        self._flush(final=False)
        self._pending = _Pending(self._next, media, container, sha, size, start_ms, end_ms)
        self._next += 1

    def record_video(self, frames: list[VideoFrame], fps: int) -> None:
        self.write_segment(
            "video", "y4m", lambda o: write_y4m(o, frames, fps),
            start_ms=frames[0].ts_ms, end_ms=frames[-1].ts_ms + 1000 // fps,
        )  # fmt: skip

    def record_audio(self, blocks: list[AudioBlock]) -> None:
        last = blocks[-1]
        dur = len(last.pcm) // (2 * last.channels) * 1000 // last.rate
        self.write_segment(
            "audio", "wav", lambda o: write_wav(o, blocks),
            start_ms=blocks[0].ts_ms, end_ms=last.ts_ms + dur,
        )  # fmt: skip

    def stop(self) -> SignedManifest | None:
        sm = self._flush(final=True)
        self.reception_id = None
        return sm

    def _flush(self, *, final: bool) -> SignedManifest | None:
        p = self._pending
        if p is None or self.reception_id is None:
            return None
        m = SegmentManifest(
            reception_id=self.reception_id,
            device=self.device,
            device_key=keys.key_id(self.key),
            index=p.index,
            start_ms=p.start_ms,
            end_ms=p.end_ms,
            media=p.media,  # type: ignore[arg-type]
            container=p.container,
            sha256=p.sha256,
            size=p.size,
            prev=self._prev,
            final=final,
            participants=self.participants,
        )
        sm = sign_manifest(m, self.key)
        self.spool.put_manifest(sm)
        self._prev = sm.manifest_hash()
        self._pending = None
        return sm

    def recover(self, reception_id: str, *, media_of: Callable[[Path], str]) -> list[str]:
        """After a power cut: sign the segment left without a manifest, as final.

        Its hash is computed from the file once here: the hash kept in memory while it
        was written was lost with the power. Returns what was done, for the log.
        """
        self.start(reception_id)
        done = []
        for path in self.spool.segments_without_manifest(reception_id):
            h = hashlib.sha256()
            size = 0
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
                    size += len(chunk)
            now = self.clock()
            self._pending = _Pending(
                self._next, media_of(path), path.suffix[1:], h.hexdigest(), size, now, now
            )
            self._next += 1
            self._flush(final=True)
            done.append(f"signed leftover segment {path.name} as final")
        self.reception_id = None
        return done


def record_synthetic_reception(
    recorder: Recorder,
    reception_id: str,
    *,
    t0_ms: int,
    seconds: int = 8,
    segment_s: int = 2,
    participants: Iterable[Participant] = (),
) -> list[SignedManifest]:
    """Record a reception from the synthetic camera and microphone (demo, tests).

    Video and audio segments alternate, ``segment_s`` seconds each, until ``seconds``.
    """
    from firmware_glue.media import SyntheticAudioSource, SyntheticVideoSource

    video = SyntheticVideoSource(fps=10, t0_ms=t0_ms)
    audio = SyntheticAudioSource(block_ms=100, t0_ms=t0_ms)
    recorder.start(reception_id, participants)
    for _ in range(max(1, seconds // segment_s)):
        frames = [f for f in (video.read() for _ in range(10 * segment_s)) if f is not None]
        blocks = [b for b in (audio.read() for _ in range(10 * segment_s)) if b is not None]
        recorder.record_video(frames, 10)
        recorder.record_audio(blocks)
    recorder.stop()
    return recorder.spool.manifests(reception_id)
