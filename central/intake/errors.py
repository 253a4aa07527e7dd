"""The errors of console intake (来信、来电、网上、转来): one root, in the way of
gpiozero's ``exc.py``.

IntakeBaseError
 ├── IntakeError (service.py): a registration that is refused
 ├── PossibleDuplicate (service.py): the person may already be on file: confirm first
 ├── UploadRefused (files.py): an attachment that is refused
 └── AttachmentUnavailable (letters.py): a stored scan that cannot be read

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class IntakeBaseError(Exception):
    """Root of every error of ``central.intake``."""
