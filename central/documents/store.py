"""Issued papers' PDFs, kept by SHA-256 under ``<data_dir>/documents``, read-only."""

from __future__ import annotations

from pathlib import Path

from central.evidence.service import BlobStore

from .errors import DocumentsError


class Tampered(DocumentsError, OSError):
    """The stored file no longer has the hash it was issued with."""


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.blobs = BlobStore(root)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> DocumentStore:
        return cls(data_dir / "documents")

    def put(self, data: bytes) -> str:
        """Keep ``data`` once; its SHA-256."""
        return self.blobs.put_bytes(data)

    def get(self, digest: str) -> bytes:
        data = self.blobs.read_checked(digest)
        if data is None:
            raise Tampered(f"文书文件已被改动：{digest}")
        return data
