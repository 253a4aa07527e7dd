"""Canonical JSON: the exact bytes that get signed.

Keys sorted, no insignificant whitespace, UTF-8 (no ``\\u`` escapes for non-ASCII),
and no floats: a float's text differs between languages, so numbers on the wire are
integers (scores travel as permille). This is the integer subset of RFC 8785 (JCS).
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1  # JCS / I-JSON: larger ints lose precision elsewhere


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{path}: integer {value} is outside the I-JSON safe range")
        return
    if isinstance(value, float):
        raise ValueError(f"{path}: floats are not allowed in signed payloads; use integers")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ValueError(f"{path}: object keys must be strings")
            _check(v, f"{path}.{k}")
        return
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check(v, f"{path}[{i}]")
        return
    raise ValueError(f"{path}: {type(value).__name__} is not a JSON value")


def canonical_json(value: Any) -> bytes:
    """Return the canonical UTF-8 bytes of a JSON-compatible value."""
    _check(value, "$")
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
