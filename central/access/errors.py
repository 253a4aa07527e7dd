"""The errors of access control: one root, in the way of gpiozero's ``exc.py``.

AccessError
 ├── Denied (gates.py, also PermissionError): 401 (who are you?) or 403 (not you, or
 │      not this), with its ``status``
 ├── UndeclaredRoute (gates.py, also RuntimeError): a route with no gate, found at start
 └── ReasonRequired, OtherSite (scope.py, also PermissionError): the site-scope rule
        refused; answered 403 by ``central.console.errors.scope_error``
"""

from __future__ import annotations


class AccessError(Exception):
    """Root of every error of ``central.access``."""
