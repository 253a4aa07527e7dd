"""The errors of public hearings (听证) and the draw of hearing officers: one root, in the way of
gpiozero's ``exc.py``.

HearingsError
 ├── HearingError (service.py): a hearing step refused (``status``: the HTTP status it maps to)
 └── DrawError (randomness.py): a draw that cannot be made or checked (``beacon.BeaconError``)

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class HearingsError(Exception):
    """Root of every error of ``central.hearings``."""
