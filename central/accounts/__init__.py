"""Accounts (officers, leaders, admins, auditors), sessions and CSRF protection.

``install(app)`` mounts the login pages and makes the logged-in account the actor
of every audited read and change (``central.deps.get_actor`` is overridden).
"""
