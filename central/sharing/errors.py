"""The errors of sharing with other organs: one root, in the way of gpiozero's ``exc.py``.

SharingError (also ValueError): a refused organ, token or request; it carries its HTTP
``status`` (422 unless said), answered by ``central.api.errors.DOMAIN_ANSWERS``
"""

from __future__ import annotations


class SharingError(ValueError):
    """Root of every error of ``central.sharing``; ``status`` is its HTTP answer."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status
