"""Ed25519 device and server keys: raw 32-byte keys, base64 on the wire."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import SignatureError


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise ValueError("not valid base64") from e


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_raw(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return b64e(public_raw(pub))


def load_public_b64(text: str) -> Ed25519PublicKey:
    raw = b64d(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Short, stable id of a public key (first 8 bytes of its SHA-256, hex)."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return hashlib.sha256(public_raw(pub)).hexdigest()[:16]


def verify(public: Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    try:
        public.verify(signature, message)
    except InvalidSignature as e:
        raise SignatureError("signature does not verify with the registered key") from e


def _load_private(path: Path) -> Ed25519PrivateKey:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(f"{path} is readable by others (mode {mode:o}); expected 0600")
    raw = path.read_bytes()
    if len(raw) != 32:
        raise ValueError(f"{path} is not a 32-byte Ed25519 private key ({len(raw)} bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Load the key at ``path``, or make one on first start (file mode 0600).

    The file is created with O_EXCL and 0600 from the start (never world-readable,
    not even for an instant) and fsynced before use, so a power cut cannot leave a
    half-written key that a later start would silently replace. It is put in place with
    a hard link, which fails if the key exists: of several processes starting at once
    (central's ingest workers with their command key), one makes the key and the others
    load that same key.
    """
    if path.exists():
        return _load_private(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for left in path.parent.glob(path.name + ".*tmp"):  # by a crash before the link: unused
        if left.name == path.name + ".tmp" or left.name.endswith(f".{os.getpid()}.tmp"):
            left.unlink(missing_ok=True)
    key = Ed25519PrivateKey.generate()
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, private_raw(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:  # another process made it first: use theirs
        return _load_private(path)
    finally:
        tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return key
