"""The errors of ingest from the desk boxes: one root, in the way of gpiozero's ``exc.py``.

IngestsError
 ├── SealedPayloadError (at_rest.py): a sealed payload that cannot be opened
 └── IngestError (mqtt.py): the broker connection of the ingest loop

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class IngestsError(Exception):
    """Root of every error of ``central.ingest``."""
