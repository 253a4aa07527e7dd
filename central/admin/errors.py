"""The errors of the admin pages' services: one root, in the way of gpiozero's ``exc.py``.

AdminError
 └── Refused (common.py, also ValueError): the change was not made; ``field`` names the
        form field, and the page shows the message beside it
"""

from __future__ import annotations


class AdminError(Exception):
    """Root of every error of ``central.admin``."""
