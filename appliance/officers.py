"""Officer sign-in at the desk: by face (1:1 against the officer's badge template,
liveness required) or by PIN (argon2 hashes from the box config)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from protocol.messages import IdentityChecked


class SignInError(PermissionError):
    """Unknown officer or wrong PIN (deliberately not saying which)."""


class NoOfficerCredentials(RuntimeError):
    """The box has no officer who could sign in: no ``[officer] pin_hashes`` and no
    enrolled badge face. Outside ``--fake-hardware`` the touchscreen refuses to start
    rather than fall back to the demo officer and its published PIN."""


def hash_pin(pin: str) -> str:
    """An argon2id hash of ``pin``, for ``officer.pin_hashes`` in the box config."""
    from argon2 import PasswordHasher

    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    return PasswordHasher().hash(pin)


class OfficerDirectory:
    def __init__(
        self,
        pin_hashes: Mapping[str, str],
        *,
        names: Mapping[str, str] | None = None,
        faces: frozenset[str] = frozenset(),
    ) -> None:
        self._hashes = dict(pin_hashes)
        self._names = dict(names or {})
        self._faces = faces  # officers with an enrolled badge template (face sign-in)

    def knows(self, officer_id: str) -> bool:
        return officer_id in self._hashes or officer_id in self._faces

    def __len__(self) -> int:
        return len(set(self._hashes) | self._faces)

    def display_name(self, officer_id: str) -> str:
        """The officer's name as people read it (``[officer] names``); an officer
        the box has no name for is shown as 工号 + id."""
        return self._names.get(officer_id) or f"工号 {officer_id}"

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


# --- face sign-in: 1:1 against the officer's badge template, PIN as the fallback -------

SignInMethod = Literal["face", "pin"]


def badge_person_id(officer_id: str) -> str:
    """The officer's badge template lives in the desk's TemplateStore under this id
    (enrolled, like anyone's, only after the officer's own recorded consent)."""
    return f"officer:{officer_id}"


@dataclass(frozen=True)
class SignIn:
    """Who signed in at the desk and how; every later event carries ``officer_id``."""

    officer_id: str
    method: SignInMethod
    score_permille: int | None = None


class FaceVerifier(Protocol):
    """``appliance.identity.service.IdentityService`` fits: liveness, quality, 1:1."""

    def verify(self, person_id: str, frames: Sequence[Any], *, challenge: Any) -> Any: ...


class FaceSignInError(SignInError):
    """Face sign-in refused; ``prompt`` says what to do (retry or use the PIN)."""

    def __init__(self, prompt: str) -> None:
        super().__init__(prompt)
        self.prompt = prompt


class OfficerSignIn:
    """Face first (when the officer has a badge template), PIN always possible."""

    def __init__(self, directory: OfficerDirectory, verifier: FaceVerifier | None = None) -> None:
        self.directory, self.verifier = directory, verifier

    def with_pin(self, officer_id: str, pin: str) -> SignIn:
        return SignIn(self.directory.sign_in(officer_id, pin), "pin")

    def with_face(self, officer_id: str, frames: Sequence[Any], *, challenge: Any) -> SignIn:
        """1:1 against ``badge_person_id(officer_id)``; liveness is never waived here."""
        if self.verifier is None:
            raise FaceSignInError("本机未启用人脸登录，请使用 PIN")
        if not self.directory.knows(officer_id):
            raise FaceSignInError("工号不正确，请使用 PIN 登录")
        out = self.verifier.verify(badge_person_id(officer_id), frames, challenge=challenge)
        if out.outcome == "verified":
            fields = out.event_fields()
            return SignIn(officer_id, "face", fields.get("score_permille"))
        if out.outcome == "not_enrolled":
            raise FaceSignInError("未登记人脸，请使用 PIN 登录")
        raise FaceSignInError(out.prompt or "人脸核验未通过，请使用 PIN 登录")


def sign_in_event(reception_id: str, s: SignIn) -> IdentityChecked:
    """``identity.checked`` with subject officer: records how the officer signed in."""
    return IdentityChecked.model_validate(
        {
            "reception_id": reception_id,
            "officer_id": s.officer_id,
            "subject": "officer",
            "method": s.method,
            "outcome": "verified",
            "score_permille": s.score_permille,
        }
    )


class _Reception(Protocol):
    reception_id: str | None
    officer_id: str | None
    events: int


class _Sink(Protocol):
    def append(self, body: Any) -> Any: ...


def record_sign_in(reception: _Reception, outbox: _Sink, s: SignIn) -> None:
    """Right after ``Reception.start(s.officer_id)``: the sign-in as that reception's
    event (counted in its ``events``, so ``reception.ended`` still adds up)."""
    if reception.reception_id is None or reception.officer_id != s.officer_id:
        raise ValueError("start the reception with the signed-in officer first")
    outbox.append(sign_in_event(reception.reception_id, s))
    reception.events += 1
