"""The errors of coordinated reception plans (协同接访方案): one root, in the way of gpiozero's
``exc.py``.

PlansError
 ├── PlanError (service.py): a plan step refused (``status``: the HTTP status it maps to)
 └── RulesError (rules.py): the site's plan rules file is wrong

Each error also derives from the builtin it always was, so existing ``except``
clauses still catch it; ``central.console.errors`` maps the root to HTTP.
"""

from __future__ import annotations


class PlansError(Exception):
    """Root of every error of ``central.plans``."""
