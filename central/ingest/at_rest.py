"""What ingest keeps of a box's bytes, with no ID number in clear.

A petitioner's ID number arrives inside a signed event (``identity.checked``'s
``person.id_number``). The signature covers the exact bytes, so they are kept whole, and
kept sealed: ``event.raw`` and ``quarantine.payload`` hold AES-256-GCM ciphertext under
a key derived (HKDF-SHA256) from the database key ``ZHIFANG_ID_ENC_KEY``, bound to the
row (the event's id, the quarantined message's SHA-256) so a sealed payload cannot be
moved to another row unnoticed. ``open_payload`` gives the bytes back for re-verifying
a signature (``zhifang central events verify``).

``event.body`` is the readable copy of the body; in it the ID number is replaced by its
keyed hash (``id_number_hash``, the same HMAC as ``person.id_number_hash``), so a
person's events can still be found without the number. Text for people (quarantine
details, log lines) passes through ``scrub``, which masks anything shaped like an ID
number.

Sealed layout: ``b"ZFS1"`` + 12-byte nonce + ciphertext-and-tag.
"""

from __future__ import annotations

import os
import re
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from central.dossier import crypto

from .errors import IngestsError

PREFIX = b"ZFS1"
_INFO = b"zhifang/at-rest/payload/v1"
_NONCE = 12
# 18-character resident ID numbers (and the old 15-digit ones), wherever they appear
_ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")
MASK = "[身份证号已隐去]"


class SealedPayloadError(IngestsError, ValueError):
    """A sealed payload does not open: wrong key (ZHIFANG_ID_ENC_KEY changed?), or the
    row was altered or moved."""


def payload_key(enc_key: bytes) -> bytes:
    """The payload-sealing key, derived from the database key (never used directly)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(enc_key)


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(PREFIX)


def seal(key: bytes, data: bytes, *, context: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return PREFIX + nonce + AESGCM(key).encrypt(nonce, data, _aad(context))


def open_payload(key: bytes, blob: bytes, *, context: str) -> bytes:
    if not is_sealed(blob):
        raise SealedPayloadError("payload is not sealed (a database not migrated yet?)")
    nonce, sealed = blob[len(PREFIX) : len(PREFIX) + _NONCE], blob[len(PREFIX) + _NONCE :]
    try:
        return AESGCM(key).decrypt(nonce, sealed, _aad(context))
    except InvalidTag as e:
        raise SealedPayloadError(
            f"sealed payload of {context} does not open: wrong ZHIFANG_ID_ENC_KEY, "
            "or the row was altered"
        ) from e


def _aad(context: str) -> bytes:
    return b"zhifang/payload/v1|" + context.encode("utf-8")


def event_context(event_id: str) -> str:
    return f"event:{event_id}"


def quarantine_context(payload_sha256: str) -> str:
    return f"quarantine:{payload_sha256}"


def stored_body(body: dict[str, Any], *, hash_key: bytes) -> dict[str, Any]:
    """The body as ``event.body`` keeps it: ``person.id_number`` → ``id_number_hash``."""
    person = body.get("person")
    if not isinstance(person, dict) or not person.get("id_number"):
        return body
    number = str(person["id_number"])
    kept = {k: v for k, v in person.items() if k != "id_number"}
    kept["id_number_hash"] = crypto.id_number_hash(hash_key, number)
    return {**body, "person": kept}


def scrub(text: str) -> str:
    """``text`` with anything shaped like an ID number masked (for details and logs)."""
    return _ID_LIKE.sub(MASK, text)
