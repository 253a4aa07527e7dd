"""The errors of central's identity service: one root, in the way of gpiozero's ``exc.py``.

IdentityError
 └── RelayError (relay.py)
      └── PersonDeleted (also ValueError): the person was deleted at this site after
             the consents in a transfer (the API answers 409)
"""

from __future__ import annotations


class IdentityError(Exception):
    """Root of every error of ``central.identity``."""
