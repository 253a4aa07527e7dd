"""Officer sign-in at the desk by PIN (argon2 hashes from the box config)."""

from __future__ import annotations

from collections.abc import Mapping


class SignInError(PermissionError):
    """Unknown officer or wrong PIN (deliberately not saying which)."""


def hash_pin(pin: str) -> str:
    """An argon2id hash of ``pin``, for ``officer.pin_hashes`` in the box config."""
    from argon2 import PasswordHasher

    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    return PasswordHasher().hash(pin)


class OfficerDirectory:
    def __init__(self, pin_hashes: Mapping[str, str]) -> None:
        self._hashes = dict(pin_hashes)

    def sign_in(self, officer_id: str, pin: str) -> str:
        """Check the PIN; returns the officer id every later event is attributed to."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        stored = self._hashes.get(officer_id)
        if stored is None:
            raise SignInError("工号或 PIN 不正确 (unknown officer or wrong PIN)")
        try:
            PasswordHasher().verify(stored, pin)
        except (VerificationError, InvalidHashError):
            raise SignInError("工号或 PIN 不正确 (unknown officer or wrong PIN)") from None
        return officer_id
