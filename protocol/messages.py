"""Message bodies: one pydantic model per type, unknown keys forbidden.

Versioning rules
----------------
* Every body type has an integer ``SCHEMA``, starting at 1, carried in the envelope.
* A published schema never changes. Any change of shape (a field added, removed,
  renamed, or its type narrowed) is a new model with ``SCHEMA + 1``; the old model
  stays in ``REGISTRY`` for as long as boxes in the field may send it.
* Central is upgraded before the boxes, so it always knows every schema a box sends.
  A box newer than its central still loses nothing: an unknown ``(type, schema)`` is
  quarantined with reason ``unsupported_schema`` and replayed after the upgrade.
* A change to the envelope itself, or to the topic layout, is a new topic root
  (``zhifang/v2``), served side by side with v1 during the migration.

Numbers are integers (times in milliseconds since the Unix epoch, scores in permille):
floats have no canonical text (see ``canonical.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import SchemaError

Millis = Annotated[int, Field(ge=0, le=2**53 - 1, description="ms since the Unix epoch, UTC")]
ReceptionId = Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$", description="UUID of the reception")]
OfficerId = Annotated[str, Field(min_length=1, max_length=64, description="officer account id")]
Text = Annotated[str, Field(max_length=4000)]
ShortText = Annotated[str, Field(max_length=200)]
Rating = Literal["satisfied", "basically_satisfied", "dissatisfied"]
# the petitioner's three buttons in words: the box's screen, the demo and central's
# labels all take them from here
RATING_ZH: Mapping[str, str] = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
}


class Body(BaseModel):
    """Base of every event body. Subclasses set ``TYPE`` and ``SCHEMA``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    TYPE: ClassVar[str]
    SCHEMA: ClassVar[int] = 1


class PersonRef(BaseModel):
    """Who the petitioner says (or was verified) they are. Travels over TLS only."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: ShortText = Field(description="name as given")
    id_number: Annotated[str, Field(pattern=r"^[0-9]{17}[0-9Xx]$")] | None = Field(
        default=None, description="resident ID number (18 characters)"
    )
    phone: Annotated[str, Field(pattern=r"^\+?[0-9]{5,20}$")] | None = Field(
        default=None, description="phone number"
    )
    township: ShortText | None = Field(default=None, description="township or street office")
    address: ShortText | None = Field(default=None, description="home address")


class RiskNote(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    level: Literal["low", "medium", "high"] = Field(description="risk level")
    reason: ShortText = Field(min_length=1, description="why, in words a leader can act on")


class ReceptionStarted(Body):
    TYPE: ClassVar[str] = "reception.started"
    reception_id: ReceptionId
    officer_id: OfficerId = Field(description="officer who signed in at the desk")
    started_at: Millis
    kind: Literal["walk_in", "leader", "group", "online"] = Field(
        default="walk_in", description="来访 / 领导接访 / 集体访 / 网上"
    )
    visitors: int = Field(default=1, ge=1, le=500, description="number of persons present")
    leader_name: ShortText | None = Field(default=None, description="for 领导接访")


class IdentityChecked(Body):
    TYPE: ClassVar[str] = "identity.checked"
    reception_id: ReceptionId
    officer_id: OfficerId
    subject: Literal["petitioner", "officer"]
    method: Literal["id_number", "phone", "face", "voice", "face_voice", "pin", "badge"]
    outcome: Literal["verified", "rejected", "new_person", "not_enrolled"]
    person: PersonRef | None = Field(default=None, description="the petitioner's details")
    score_permille: int | None = Field(default=None, ge=0, le=1000, description="match score")
    consent_id: ShortText | None = Field(
        default=None, description="id of the recorded biometric consent (PIPL art. 29)"
    )


WorkflowStep = Literal[
    "register",  # 登记
    "notify",  # 告知
    "accept",  # 受理
    "decline",  # 不予受理
    "transfer",  # 转办
    "handle",  # 办理
    "reply",  # 答复
    "review",  # 复查
    "re_review",  # 复核
    "supervise",  # 督办
    "archive",  # 立卷归档
]


class WorkflowStepDone(Body):
    """A step of the procedure done at the desk. ``register`` with a ``matter_ref``
    central does not know opens that matter (the id is made on the box, a UUIDv7, so
    it works offline); naming a known matter links the visit to it. Every later step
    of the reception names the same matter."""

    TYPE: ClassVar[str] = "workflow.step"
    reception_id: ReceptionId
    officer_id: OfficerId
    step: WorkflowStep
    at: Millis
    matter_ref: ShortText | None = Field(
        default=None, description="the matter this step belongs to (opened or linked at 登记)"
    )
    fields: dict[ShortText, Text] = Field(default_factory=dict, description="the step's form")
    note: Text = ""
    risk: RiskNote | None = None


class StepCorrected(Body):
    """The officer corrected a confirmed step's form (a typo in 诉求, the wrong 类别).

    The step itself stands (a decision is not undone by a correction); ``fields`` is
    the whole form as corrected and replaces the one the step carried."""

    TYPE: ClassVar[str] = "workflow.corrected"
    reception_id: ReceptionId
    officer_id: OfficerId = Field(description="officer who corrected it")
    corrects: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")] = Field(
        description="event_id of the workflow.step event corrected"
    )
    step: WorkflowStep = Field(description="the step corrected, as that event named it")
    at: Millis = Field(description="when the correction was confirmed")
    fields: dict[ShortText, Text] = Field(description="the step's whole form, as corrected")
    reason: ShortText = Field(min_length=1, description="why, in the officer's words")


class VisitorAdded(Body):
    """One more person of a 集体访 (group visit): a representative (推选的代表) or a
    member. The first person identified (``identity.checked``) is the first
    representative; each further person is one of these events."""

    TYPE: ClassVar[str] = "reception.visitor"
    reception_id: ReceptionId
    officer_id: OfficerId
    person: PersonRef = Field(description="who the person says they are")
    role: Literal["representative", "member"] = Field(description="代表 / 成员")
    at: Millis = Field(description="when the officer recorded the person")


class ReceptionCancelled(Body):
    """The officer cancelled the reception (started by mistake, the petitioner left
    before anything was done). Ends it: no rating and no ``reception.ended`` follow."""

    TYPE: ClassVar[str] = "reception.cancelled"
    reception_id: ReceptionId
    officer_id: OfficerId
    at: Millis = Field(description="when it was cancelled")
    events: int = Field(ge=1, description="events of this reception, this one included")
    reason: ShortText = Field(min_length=1, description="why, in the officer's words")


class OfficerLockedOut(Body):
    """Too many wrong PINs at the desk: sign-in is locked for a while (per officer id
    typed, or for the whole desk), so a leader sees attempts to guess a PIN."""

    TYPE: ClassVar[str] = "officer.locked_out"
    officer_id: OfficerId = Field(description="the officer id typed (may be unknown)")
    scope: Literal["officer", "desk"] = Field(description="what is locked: that id or the desk")
    failures: int = Field(ge=1, le=100_000, description="wrong PINs that led to the lock")
    at: Millis = Field(description="when the lock began")
    locked_until: Millis = Field(description="when sign-in is possible again")


class RatingGiven(Body):
    TYPE: ClassVar[str] = "rating.given"
    reception_id: ReceptionId
    rating: Rating = Field(description="满意 / 基本满意 / 不满意")
    at: Millis
    source: Literal["button", "screen"] = "button"


class ReceptionEnded(Body):
    TYPE: ClassVar[str] = "reception.ended"
    reception_id: ReceptionId
    officer_id: OfficerId
    ended_at: Millis
    events: int = Field(ge=1, description="events of this reception, this one included")
    risk: RiskNote | None = None


BiometricScope = Literal["face", "voice", "identify_1n"]


class ConsentRecorded(Body):
    """Separate consent to biometrics (PIPL art. 29), given on the touchscreen."""

    TYPE: ClassVar[str] = "consent.recorded"
    consent_id: Annotated[str, Field(min_length=1, max_length=64)]
    person_id: Annotated[str, Field(min_length=1, max_length=64, description="dossier id")]
    reception_id: ReceptionId | None = None
    officer_id: OfficerId = Field(description="officer present when consent was given")
    text_version: ShortText = Field(min_length=1, description="version of the text shown")
    text_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 of the exact consent text shown"
    )
    scopes: list[BiometricScope] = Field(min_length=1, description="what was agreed to")
    given_at: Millis


class BiometricDeleted(Body):
    """A person's templates and consents were deleted at this desk, on request or by
    retention; central passes the deletion on to every other desk of the site."""

    TYPE: ClassVar[str] = "biometric.deleted"
    person_id: Annotated[str, Field(min_length=1, max_length=64, description="dossier id")]
    officer_id: OfficerId
    deleted_at: Millis
    reason: Literal["request", "consent_withdrawn", "retention", "other"]
    note: ShortText = ""


REGISTRY: dict[tuple[str, int], type[Body]] = {
    (m.TYPE, m.SCHEMA): m
    for m in (
        ReceptionStarted,
        IdentityChecked,
        WorkflowStepDone,
        RatingGiven,
        ReceptionEnded,
        ConsentRecorded,
        BiometricDeleted,
        StepCorrected,
        VisitorAdded,
        ReceptionCancelled,
        OfficerLockedOut,
    )
}


def parse_body(type_: str, schema: int, body: dict[str, Any]) -> Body:
    model = REGISTRY.get((type_, schema))
    if model is None:
        known = sorted(s for t, s in REGISTRY if t == type_)
        if not known:
            raise SchemaError(f"unknown message type {type_!r}", reason="unknown_type")
        raise SchemaError(
            f"{type_!r} schema {schema} is not supported (known: {known})",
            reason="unsupported_schema",
        )
    try:
        return model.model_validate(body)
    except ValueError as e:
        raise SchemaError(f"{type_} body is invalid: {e}", reason="bad_body") from e


# --- not events: commands (signed on the wire: protocol/control.py) ------------------


class Command(BaseModel):
    """A command as a box's handler sees it, once ``protocol.control`` has checked that
    central signed it (on the wire it travels as a ``SignedCommand``, on ``cmd/{name}``,
    where only central may publish: broker ACL)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cmd_id: str = Field(min_length=1, max_length=64, description="unique; the ack names it")
    issued_at: Millis = Field(description="when central issued (and signed) it")
    body: dict[str, Any] = Field(default_factory=dict, description="the command's arguments")


class ResendRequest(BaseModel):
    """Body of the ``resend`` command: central saw a gap in ``seq``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    NAME: ClassVar[str] = "resend"
    from_seq: int = Field(ge=1)
    to_seq: int = Field(ge=1)


class BiometricDelete(BaseModel):
    """Body of the ``biometric_delete`` command: central relays a deletion made at
    one desk to every other desk of the site."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    NAME: ClassVar[str] = "biometric_delete"
    person_id: str = Field(min_length=1, max_length=64)
    deleted_at: Millis
    officer_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(max_length=200)
    origin_device: str = Field(min_length=1, max_length=63, description="desk where it began")


class CommandAck(BaseModel):
    """A handler's answer; the forwarder signs it into a ``SignedAck`` for the wire."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    cmd_id: str = Field(description="the command answered")
    ok: bool = Field(description="the command was carried out")
    detail: ShortText = Field(default="", description="what happened, for a person")
