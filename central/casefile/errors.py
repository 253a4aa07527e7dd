"""The errors of the case file (专人专档): one root, in the way of gpiozero's ``exc.py``.

CasefileError
 ├── NotFound (service.py): no such person or reception
 ├── MergeRefused (merge.py): two dossiers that may not be merged (or unmerged)
 └── LeaderRefused (leader.py): a leader's queue action that may not be taken

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.api.errors.DOMAIN_ANSWERS`` maps ``NotFound`` (404) to
HTTP (``MergeRefused`` is answered in its routes, which roll back first).
"""

from __future__ import annotations


class CasefileError(Exception):
    """Root of every error of ``central.casefile``."""
