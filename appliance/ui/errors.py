"""The touchscreen's one error: something the officer must fix, said in Chinese."""

from __future__ import annotations


class DeskError(ValueError):
    """Something the officer must fix; the message is shown on screen as it is."""
