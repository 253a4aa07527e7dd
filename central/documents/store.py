"""Issued papers' PDFs, kept by SHA-256 under ``<data_dir>/documents``, read-only."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from central.evidence.service import BlobStore


class Tampered(OSError):
    """The stored file no longer has the hash it was issued with."""


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.blobs = BlobStore(root)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> DocumentStore:
        return cls(data_dir / "documents")

    def put(self, data: bytes) -> str:
        """Keep ``data`` once; its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        dest = self.blobs.path(digest)
        if dest.exists():
            return digest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            self.blobs.put_file(Path(tmp), digest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        data = self.blobs.path(digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise Tampered(f"文书文件已被改动：{digest}")
        return data
