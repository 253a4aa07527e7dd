"""No NUL character in what a request brings: refused at the door, with one message.

PostgreSQL's text cannot hold U+0000 (psycopg refuses to send it), so a NUL in a
search word, an id in the path, a reason header or a JSON field answered 500 on
PostgreSQL wherever it reached a query, while SQLite stored it: the two databases
differed and neither answer was clear. No name, phone, complaint or id needs one.
Found by the schemathesis run (tests/central/access/test_schemathesis.py).

Checked after the gate (a stranger still gets 401 first): the path, the query, the
``X-`` headers (percent-encoded reasons), a JSON or URL-encoded form body (at most
1 MiB, ``routes.DEFAULT_MAX_BODY``), and the text fields of a multipart form (the
letter's intake sends its fields beside the scan). Files, in a multipart form or an
octet-stream body, are bytes and may hold anything.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message, Scope

MESSAGE = "请求中含有空字符（NUL），无法处理；请删去后重试"
TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
MULTIPART = "multipart/form-data"
READ = (*TEXT_BODIES, MULTIPART)  # the bodies read before the route
# ``\u0000`` as JSON writes it: an escape only after an even run of backslashes
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


def in_head(scope: Scope) -> bool:
    """A NUL in the path, the query or an ``X-`` header."""
    if "\x00" in scope.get("path", "") or _has(scope.get("query_string", b"")):
        return True
    return any(k.startswith(b"x-") and _has(v) for k, v in scope.get("headers", []))


def content_type(scope: Scope) -> str:
    for k, v in scope.get("headers", []):
        if k == b"content-type":
            return v.split(b";")[0].strip().decode("latin-1").lower()
    return ""


def in_body(body: bytes, content_type: str) -> bool:
    """A NUL in a text body (``content_type`` one of ``TEXT_BODIES``)."""
    if content_type == "application/json":
        return b"\x00" in body or _JSON_NUL.search(body) is not None
    return content_type in TEXT_BODIES and _has(body)


async def in_form_fields(scope: Scope, body: bytes, content_type: str) -> bool:
    """A NUL in a multipart form's text fields (its files are not looked at). A form
    that cannot be parsed is left to the route, which refuses it in its own words."""
    # a text field's NUL is a NUL byte in the body (multipart does not escape it): most
    # forms have none, and are not parsed a second time (the CSRF check parsed it once)
    if content_type != MULTIPART or b"\x00" not in body:
        return False

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except (MultiPartException, HTTPException):
        return False
    try:
        return any(isinstance(v, str) and "\x00" in v for _, v in form.multi_items())
    finally:
        await form.close()
