"""HTTP payloads of the workflow API (unknown keys refused)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .states import Action, PauseKind

Id = Annotated[str, Field(min_length=1, max_length=36)]
Short = Annotated[str, Field(max_length=200)]
DocRef = Annotated[str, Field(min_length=1, max_length=200, description="document id or sha256")]
StepName = Literal[
    "notify",
    "accept",
    "decline",
    "transfer",
    "handle",
    "reply",
    "review",
    "re_review",
    "supervise",
    "archive",
    "extend",
    "pause",
    "resume",
    "progress_reply",
]


class MatterCreate(BaseModel):
    """登记 a matter."""

    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=4000, description="诉求摘要")
    officer_id: Short = Field(min_length=1, description="承办人")
    leader_id: Short | None = Field(default=None, description="分管领导")
    person_ids: list[Id] = Field(
        default_factory=list, max_length=500, description="persons (several for a group visit)"
    )
    reception_id: Id | None = Field(default=None, description="the reception it was raised in")
    reason: str = Field(default="", max_length=4000, description="登记说明")
    documents: list[DocRef] = Field(default_factory=list, max_length=50)


class StepCreate(BaseModel):
    """One step on a matter; which fields are required depends on the step."""

    model_config = ConfigDict(extra="forbid")
    action: StepName = Field(description="the step (wire names of WorkflowStep, plus clock steps)")
    reason: str = Field(default="", max_length=4000, description="why (理由、说明)")
    documents: list[DocRef] = Field(default_factory=list, max_length=50)
    target_organ: Short | None = Field(default=None, description="转办: the competent organ")
    extension_days: int | None = Field(default=None, ge=1, le=365, description="延期 days")
    approved_by: Short | None = Field(default=None, description="延期: approved by")
    notice_document: Short | None = Field(default=None, description="延期: notice to petitioner")
    pause_kind: PauseKind | None = Field(
        default=None, description="中止: awaiting_materials/hearing"
    )
    waived: bool = Field(default=False, description="归档 inside the window: petitioner waived it")


class VisitLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reception_id: Id = Field(description="the new visit, linked to this open matter")


class StepOption(BaseModel):
    action: Action
    label: str


class TransitionPublic(BaseModel):
    seq: int
    action: Action
    label: str
    from_status: str | None
    to_status: str
    actor: str
    at: datetime
    reason: str
    documents: list[str]
    details: dict[str, str]


class ClockPublic(BaseModel):
    kind: str
    label: str
    started_on: date
    due_on: date
    state: str
    days_left: int
    paused_days: int
    extension_days: int
    calendar_covered: bool
    escalate_to_leader: bool


class RiskPublic(BaseModel):
    level: Literal["low", "medium", "high"]
    reasons: list[str]


class MatterPublic(BaseModel):
    id: str
    ref_no: str | None = Field(default=None, description="文号, e.g. 闽侯检信〔2026〕123号")
    site: str | None = Field(default=None, description="the site that registered it")
    channel: str = Field(default="visit", description="渠道: visit/letter/phone/online/transfer")
    source_organ: str | None = Field(default=None, description="转来: the organ it came from")
    source_ref: str | None = Field(default=None, description="转来: file no.; 12309: record no.")
    status: str
    status_label: str
    summary: str
    officer_id: str
    leader_id: str | None
    persons: list[tuple[str, str]] = Field(description="(person id, role)")
    visits: list[str] = Field(description="linked reception ids, oldest first")
    registered_at: datetime
    supervisions: int
    paused: bool
    allowed: list[StepOption] = Field(description="steps allowed now")
    clocks: list[ClockPublic]
    risk: RiskPublic
    history: list[TransitionPublic]
