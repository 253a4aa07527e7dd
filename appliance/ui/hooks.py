"""What the touchscreen needs from biometrics and from the recorder, with fakes.

``Biometrics`` is the hook for face/voice. The real one is
``appliance.identity.biometrics.CameraBiometrics`` (IdentityService with the camera and
microphone); the desk asks "is this the claimed person?" and gets an outcome it can put
in ``identity.checked``. It is only ever called after the petitioner's recorded consent
(enrolment is refused by the template store without it).

A check is two steps, so the person knows what to do before the camera looks:
``prepare`` picks the liveness challenge (and the digits to read aloud) and returns the
prompts the screen shows; the next ``verify_*`` / ``enrol_petitioner`` captures with
that challenge and forgets it (every attempt gets a fresh one).

Nothing here imports numpy or OpenCV: a box without biometrics runs this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

BioMethod = Literal["face", "voice", "face_voice"]
# retry: nothing decided (no usable frame, liveness not shown); the prompt says why
BioOutcome = Literal["verified", "rejected", "not_enrolled", "retry"]
Modality = Literal["face", "voice"]


@dataclass(frozen=True)
class BioResult:
    method: BioMethod
    outcome: BioOutcome
    score_permille: int | None = None
    prompt: str = ""  # zh-CN, what the officer tells the person (retry, use ID card)


@dataclass(frozen=True)
class CapturePrompt:
    """Shown to the person before the capture starts (zh-CN)."""

    face: str = ""  # the liveness challenge, e.g. 请缓慢向右转头，再转回正面
    voice: str = ""  # what to say, e.g. 请清楚地读出：3 7 1 9 4

    @property
    def lines(self) -> list[str]:
        return [p for p in (self.face, self.voice) if p]


@dataclass(frozen=True)
class EnrolResult:
    modality: Modality
    enrolled: bool
    prompt: str = ""  # why not (retry with this), zh-CN


class Biometrics(Protocol):
    available: bool

    def prepare(self, *, face: bool, voice: bool, enrol: bool = False) -> CapturePrompt:
        """Choose the challenge for the next capture; the desk shows the prompts."""
        ...

    def enrolled(self, person_id: str) -> frozenset[Modality]:
        """Which templates this desk holds for the person."""
        ...

    def enrol_petitioner(self, person_id: str, modality: Modality) -> EnrolResult:
        """Capture and enrol (needs the person's live consent for ``modality``:
        raises ``PermissionError`` without it)."""
        ...

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        """1:1 against the claimed person's templates (only after consent)."""
        ...

    def verify_officer(self, officer_id: str) -> BioResult:
        """Face sign-in of an officer against the officer's own template."""
        ...


class NoBiometrics:
    """A box without camera or templates: the buttons say so and stay disabled."""

    available = False

    def __init__(self, reason: str = "") -> None:
        self.reason = reason  # for the log and the admin, not the screen

    def prepare(self, *, face: bool, voice: bool, enrol: bool = False) -> CapturePrompt:
        return CapturePrompt()

    def enrolled(self, person_id: str) -> frozenset[Modality]:
        return frozenset()

    def enrol_petitioner(self, person_id: str, modality: Modality) -> EnrolResult:
        return EnrolResult(modality, False, "本机未启用人脸/声纹登记，请使用身份证号")

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        return BioResult("face", "not_enrolled", prompt="本机未启用人脸/声纹核验，请使用身份证号")

    def verify_officer(self, officer_id: str) -> BioResult:
        return BioResult("face", "not_enrolled", prompt="本机未启用人脸登录，请使用 PIN")


class FakeBiometrics:
    """Scripted answers: ``enrolled`` persons verify, everyone else is not enrolled;
    enrolment adds the person (no camera, no models: the demo and the flow tests)."""

    available = True
    PROMPT = CapturePrompt(face="请缓慢向右转头，再转回正面")

    def __init__(self, enrolled: set[str] | None = None, officers: set[str] | None = None):
        self.enrolled_people: dict[str, set[str]] = {p: {"face"} for p in enrolled or ()}
        self.officers = set(officers or ())
        self.calls: list[tuple[str, str]] = []

    def prepare(self, *, face: bool, voice: bool, enrol: bool = False) -> CapturePrompt:
        self.calls.append(("prepare", "enrol" if enrol else "verify"))
        return CapturePrompt(
            face=self.PROMPT.face if face else "", voice="请清楚地读出：3 7 1 9 4" if voice else ""
        )

    def enrolled(self, person_id: str) -> frozenset[Modality]:
        got: Any = frozenset(self.enrolled_people.get(person_id, ()))
        return got

    def enrol_petitioner(self, person_id: str, modality: Modality) -> EnrolResult:
        self.calls.append(("enrol", person_id))
        self.enrolled_people.setdefault(person_id, set()).add(modality)
        return EnrolResult(modality, True)

    def verify_petitioner(self, person_id: str, *, face: bool, voice: bool) -> BioResult:
        self.calls.append(("petitioner", person_id))
        method: BioMethod = "face_voice" if face and voice else "face" if face else "voice"
        if person_id in self.enrolled_people:
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
