"""ID numbers at rest: a keyed hash to find a person, AES-GCM to read the number back.

The hash (HMAC-SHA256) lets central look a person up without storing the number in
clear; the ciphertext (AES-256-GCM, random 96-bit nonce, bound to its purpose by
associated data) lets an authorised reader see it. Both keys come from settings.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DossierError

_VERSION = b"\x01"  # format byte: lets a later key rotation tell old ciphertexts apart
_AAD = b"zhifang/person.id_number/v1"


class DecryptError(DossierError, ValueError):
    """The ciphertext is corrupt or was made with another key."""


def normalise_id_number(id_number: str) -> str:
    return id_number.strip().upper()


def id_number_hash(key: bytes, id_number: str) -> str:
    return hmac.new(key, normalise_id_number(id_number).encode(), hashlib.sha256).hexdigest()


def encrypt_id_number(key: bytes, id_number: str) -> bytes:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, normalise_id_number(id_number).encode(), _AAD)
    return _VERSION + nonce + sealed


def decrypt_id_number(key: bytes, blob: bytes) -> str:
    if len(blob) < 1 + 12 + 16 or blob[:1] != _VERSION:
        raise DecryptError("not an encrypted ID number (unknown format)")
    try:
        return AESGCM(key).decrypt(blob[1:13], blob[13:], _AAD).decode()
    except InvalidTag as e:
        raise DecryptError(
            "ID number does not decrypt with this key (wrong key or tampered)"
        ) from e


def mask_id_number(id_number: str) -> str:
    """Shown in the console: first 6 and last 4 characters."""
    n = normalise_id_number(id_number)
    return n[:6] + "*" * (len(n) - 10) + n[-4:] if len(n) > 10 else "*" * len(n)
