"""The errors of the public progress look-up: one root, in the way of gpiozero's
``exc.py``. The messages are for the petitioner.

ProgressError
 ├── NotFound (service.py, also LookupError): no matter with this 文号 and this code
 └── Throttled (service.py): asked too often; ``until`` says when to ask again

``central.api.progress`` answers them itself: a fixed message (which of the two was
wrong is not said) and ``Retry-After``.
"""

from __future__ import annotations


class ProgressError(Exception):
    """Root of lookup errors; the message is for the petitioner."""
