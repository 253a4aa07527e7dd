"""What the touchscreen needs from biometrics and from the recorder, with fakes.

``Biometrics`` is the hook for face/voice: the real one wraps
``appliance.identity.service.IdentityService`` with the camera and microphone
(capturing frames and audio is the hardware layer's job); the desk only asks "is
this the claimed person?" and gets an outcome it can put in ``identity.checked``.
It is only ever called after the petitioner's recorded consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

BioMethod = Literal["face", "voice", "face_voice"]
BioOutcome = Literal["verified", "rejected", "not_enrolled"]


@dataclass(frozen=True)
class BioResult:
    method: BioMethod
    outcome: BioOutcome
    score_permille: int | None = None
    prompt: str = ""  # zh-CN, what the officer tells the person (retry, use ID card)


class Biometrics(Protocol):
    available: bool

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        """1:1 against the claimed person's templates (only after consent)."""
        ...

    def verify_officer(self, officer_id: str) -> BioResult:
        """Face sign-in of an officer against the officer's own template."""
        ...


class NoBiometrics:
    """A box without camera or templates: the buttons say so and stay disabled."""

    available = False

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        return BioResult("face", "not_enrolled", prompt="本机未启用人脸/声纹核验，请使用身份证号")

    def verify_officer(self, officer_id: str) -> BioResult:
        return BioResult("face", "not_enrolled", prompt="本机未启用人脸登录，请使用 PIN")


class FakeBiometrics:
    """Scripted answers: ``enrolled`` persons verify, everyone else is not enrolled."""

    available = True

    def __init__(self, enrolled: set[str] | None = None, officers: set[str] | None = None):
        self.enrolled = set(enrolled or ())
        self.officers = set(officers or ())
        self.calls: list[tuple[str, str]] = []

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        self.calls.append(("petitioner", person_id))
        method: BioMethod = "face_voice" if face and voice else "face" if face else "voice"
        if person_id in self.enrolled:
            return BioResult(method, "verified", 930)
        return BioResult(method, "not_enrolled", prompt="未登记生物特征，请使用身份证号核验")

    def verify_officer(self, officer_id: str) -> BioResult:
        self.calls.append(("officer", officer_id))
        if officer_id in self.officers:
            return BioResult("face", "verified", 950)
        return BioResult("face", "rejected", prompt="人脸核验未通过，请使用 PIN 登录")


@dataclass(frozen=True)
class RecordingStatus:
    recording: bool
    segments_spooled: int  # sealed segments on the box not yet acknowledged by central
    upload_pending: int  # events + segments waiting for central


class Recorder(Protocol):
    def start(self, reception_id: str) -> None: ...
    def stop(self) -> None: ...
    def status(self) -> RecordingStatus: ...


class FakeRecorder:
    """Counts one sealed segment per status read while recording (enough for the badge)."""

    def __init__(self) -> None:
        self.reception_id: str | None = None
        self.segments = 0
        self.started: list[str] = []

    def start(self, reception_id: str) -> None:
        self.reception_id = reception_id
        self.started.append(reception_id)

    def stop(self) -> None:
        self.reception_id = None

    def status(self) -> RecordingStatus:
        if self.reception_id is not None:
            self.segments += 1
        return RecordingStatus(self.reception_id is not None, self.segments, self.segments)


class SpoolRecorder:
    """The badge over the real recorder and its spool (``appliance.recording``).

    Starts and stops the signed-segment recorder with the reception; the count is
    of sealed segments central has not acknowledged. Feeding it camera frames and
    microphone blocks is the capture loop's job (not in the UI).
    """

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder  # appliance.recording.recorder.Recorder

    def start(self, reception_id: str) -> None:
        self.recorder.start(reception_id)

    def stop(self) -> None:
        self.recorder.stop()

    def status(self) -> RecordingStatus:
        pending = len(self.recorder.spool.pending())
        return RecordingStatus(self.recorder.reception_id is not None, pending, pending)
