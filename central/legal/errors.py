"""The errors of the law library: one root, in the way of gpiozero's ``exc.py``.

LegalError
 ├── NotFound (service.py): no such law or article
 ├── BadQuery (search.py): a search that cannot be run
 └── LegalImportError (parse.py): a law text that cannot be imported

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class LegalError(Exception):
    """Root of every error of ``central.legal``."""
