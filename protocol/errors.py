"""Errors raised while decoding or verifying what arrives over the wire.

ProtocolError
 ├── MalformedMessage   (also ValueError)  not UTF-8, not JSON, too large, bad envelope
 ├── SchemaError        (also ValueError)  unknown type, unsupported schema, bad body
 └── SignatureError                        signature does not verify / unknown key

Each carries a short machine-readable ``reason`` for the quarantine table and a
human sentence in ``str()``.
"""

from __future__ import annotations


class ProtocolError(Exception):
    reason = "protocol_error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class MalformedMessage(ProtocolError, ValueError):
    reason = "malformed"


class SchemaError(ProtocolError, ValueError):
    reason = "schema"


class SignatureError(ProtocolError):
    reason = "bad_signature"
