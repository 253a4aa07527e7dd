"""What central's OpenAPI description says that FastAPI cannot infer by itself.

The description is for staff and for the schemathesis run (tests/central/access/
test_schemathesis.py), which checks every answer against it; so it must be true:

* ``describe_errors``: a 422 is either FastAPI's list of field errors or one of our
  own messages (a Chinese sentence, or ``{"code" | "reason", "message"}``), not only
  the list FastAPI documents by default; beside FastAPI's list, ``message`` says it
  in Chinese.
* ``file_answer``: a route that answers with a file or a text says which media types,
  instead of the JSON FastAPI assumes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

OUR_ERROR: dict[str, Any] = {
    "type": "object",
    "title": "Refusal",
    "description": "central's own refusal: a code (or reason) and a message for a person",
    "properties": {
        "code": {"type": "string"}, "reason": {"type": "string"}, "message": {"type": "string"},
    },
    "required": ["message"],
}  # fmt: skip


def file_answer(*media_types: str, description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route answering 200 with one of ``media_types``."""
    body = {"type": "string", "format": "binary"}
    return {
        200: {"description": description, "content": {m: {"schema": body} for m in media_types}}
    }


def describe_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the 422 answers central really gives."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            found = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
            if found is not None:
                detail = found["properties"]["detail"]
                found["properties"]["detail"] = {
                    "title": "Detail",
                    "anyOf": [
                        {k: v for k, v in detail.items() if k != "title"},
                        {"type": "string", "description": "a message for a person"},
                        OUR_ERROR,
                    ],
                }
                found["properties"]["message"] = {
                    "type": "string",
                    "title": "Message",
                    "description": "the field errors said in Chinese (central.api.validation)",
                }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
