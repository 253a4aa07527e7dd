"""The box's recording spool: segments wait here until central acknowledges them.

Layout: ``<root>/<reception>/<index>.<container>`` (media) and
``<root>/<reception>/<index>.manifest.json`` (signed manifest). Every file is
written to a ``.tmp`` name, fsynced, renamed and its directory fsynced, so after a
power cut a file is either whole or absent; a manifest is written only after its
segment is durable. Media is deleted once acknowledged; manifests are kept (small)
so the chain can continue after a restart.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from protocol.evidence import SignedManifest, parse_signed_manifest


class SpoolFull(OSError):
    """The spool reached its size limit: recording cannot continue safely."""


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class HashingFile:
    """A new file written chunk by chunk, hashed as it is written (never re-read)."""

    def __init__(
        self, final: Path, *, room: int, alarm: Callable[[str], None] | None = None
    ) -> None:
        self.final = final
        self.alarm = alarm
        self.tmp = final.with_name(final.name + ".tmp")
        self.room = room  # bytes the spool may still take
        self.sha = hashlib.sha256()
        self.size = 0
        self._f = open(self.tmp, "wb")  # noqa: SIM115  # closed in commit/abort

    def write(self, chunk: bytes) -> None:
        if self.size + len(chunk) > self.room:
            self.abort()
            msg = (
                f"录像存储已满: spool limit reached writing {self.final.name}; "
                "upload to central or free space"
            )
            if self.alarm:
                self.alarm(msg)
            raise SpoolFull(msg)
        self._f.write(chunk)
        self.sha.update(chunk)
        self.size += len(chunk)

    def commit(self) -> tuple[str, int]:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self.tmp, self.final)
        fsync_dir(self.final.parent)
        return self.sha.hexdigest(), self.size

    def abort(self) -> None:
        if not self._f.closed:
            self._f.close()
        self.tmp.unlink(missing_ok=True)


class Spool:
    def __init__(
        self, root: Path, *, limit_bytes: int, alarm: Callable[[str], None] | None = None
    ) -> None:
        self.root = root
        self.limit = limit_bytes
        self.alarm = alarm
        root.mkdir(parents=True, exist_ok=True)
        for tmp in root.glob("*/*.tmp"):  # left by a power cut mid-write: never used
            tmp.unlink()

    def used(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*") if p.is_file())

    def new_segment(self, reception_id: str, index: int, container: str) -> HashingFile:
        d = self.root / reception_id
        d.mkdir(exist_ok=True)
        room = self.limit - self.used()
        if room <= 0:
            msg = f"录像存储已满 ({self.limit} 字节): spool is full, recording stopped"
            if self.alarm:
                self.alarm(msg)
            raise SpoolFull(msg)
        return HashingFile(d / f"{index:06d}.{container}", room=room, alarm=self.alarm)

    def put_manifest(self, sm: SignedManifest) -> Path:
        m = sm.manifest
        media = self.media_path(sm)
        if not media.exists():
            raise FileNotFoundError(f"segment {media} is not durable; refusing its manifest")
        path = self.root / m.reception_id / f"{m.index:06d}.manifest.json"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(sm.to_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
        return path

    def media_path(self, sm: SignedManifest) -> Path:
        m = sm.manifest
        return self.root / m.reception_id / f"{m.index:06d}.{m.container}"

    def manifests(self, reception_id: str) -> list[SignedManifest]:
        d = self.root / reception_id
        return [
            parse_signed_manifest(p.read_bytes(), str(p)) for p in sorted(d.glob("*.manifest.json"))
        ]

    def segments_without_manifest(self, reception_id: str) -> list[Path]:
        d = self.root / reception_id
        out = []
        for p in sorted(d.iterdir()) if d.exists() else []:
            if p.suffix in (".json", ".tmp") or p.name.endswith(".acked"):
                continue
            if not (d / f"{p.name.split('.')[0]}.manifest.json").exists():
                out.append(p)
        return out

    def pending(self) -> list[SignedManifest]:
        """Manifests whose segment central has not acknowledged yet, oldest first."""
        out = []
        for d in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for sm in self.manifests(d.name):
                if not (d / f"{sm.manifest.index:06d}.acked").exists():
                    out.append(sm)
        return out

    def ack(self, sm: SignedManifest, receipt: bytes) -> None:
        """Central stored the segment: keep its receipt, free the media."""
        d = self.root / sm.manifest.reception_id
        path = d / f"{sm.manifest.index:06d}.acked"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(receipt)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(d)
        self.media_path(sm).unlink(missing_ok=True)
