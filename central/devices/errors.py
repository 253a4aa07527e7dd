"""The errors of desk boxes (registration, credentials, signed commands): one root, in the way of
gpiozero's ``exc.py``.

DevicesError
 ├── DeviceError (service.py): ``DeviceExists`` (also ValueError), ``DeviceNotFound`` (also
 │      LookupError)
 ├── CredentialError (credentials.py): ``BadCredential`` (PermissionError), ``UnknownCredential``
 │      (LookupError)
 └── UnsignableCommand (control.py): a command that cannot be signed for a box

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.api.errors.DOMAIN_ANSWERS`` maps ``DeviceExists`` (409)
and ``DeviceNotFound`` (404) to HTTP.
"""

from __future__ import annotations


class DevicesError(Exception):
    """Root of every error of ``central.devices``."""
