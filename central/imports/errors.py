"""The errors of importing old petition records: one root, in the way of gpiozero's ``exc.py``.

ImportsError
 ├── FileRefused (reader.py): a file that cannot be read as a table
 ├── MappingError (columns.py): a column mapping that is refused
 └── RowRefused (records.py): a row that is refused

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class ImportsError(Exception):
    """Root of every error of ``central.imports``."""
