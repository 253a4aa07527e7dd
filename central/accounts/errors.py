"""The errors of accounts (staff accounts, passwords, logins): one root, in the way of gpiozero's
``exc.py``.

AccountsError
 ├── AccountError (service.py): a refused account change (``AccountExists``, ``BadCredentials``,
 │      ``UnknownAccount``; ``login.LoginLocked``)
 └── WeakPassword (passwords.py): a password the policy refuses

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class AccountsError(Exception):
    """Root of every error of ``central.accounts``."""
