"""Shared fixtures' pieces for the accounts, console and dossier tests (see tests/auth.py)."""

from tests.auth import PASSWORD, add_user, csrf_of, login

__all__ = ["PASSWORD", "add_user", "csrf_of", "login"]
