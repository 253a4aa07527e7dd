"""A file a clerk uploads with a petition: what it is is read from its own bytes
(never from its name or the browser's say-so), and it is kept by its SHA-256 under
``<data_dir>/attachments`` as read-only, like the evidence blobs beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from central.evidence.service import BlobStore

from .errors import IntakeBaseError

MAX_BYTES = 20 * 1024 * 1024  # a scanned letter of a few dozen pages
# the formats scanners write, by their first bytes
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff"


class UploadRefused(IntakeBaseError, ValueError):
    """Not a file we keep; the message says why, in Chinese."""


@dataclass(frozen=True)
class Upload:
    filename: str
    media_type: str
    size: int
    sha256: str


def sniff(data: bytes) -> str:
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    raise UploadRefused("只收 PDF、JPEG、PNG 或 TIFF 格式的扫描件")


def safe_name(name: str) -> str:
    """The name as shown: no folders, no control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable()).strip()[:200] or "扫描件"


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.blobs = BlobStore(root)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> AttachmentStore:
        return cls(data_dir / "attachments")

    def put(self, filename: str, data: bytes) -> Upload:
        """Check and keep ``data`` once; the same bytes again are the same file."""
        if not data:
            raise UploadRefused("上传的文件是空的")
        if len(data) > MAX_BYTES:
            raise UploadRefused(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB")
        media_type = sniff(data)
        digest = self.blobs.put_bytes(data)
        return Upload(safe_name(filename), media_type, len(data), digest)

    def get(self, digest: str) -> bytes:
        data = self.blobs.read_checked(digest)
        if data is None:
            raise UploadRefused("扫描件文件已被改动，不能提供")
        return data
