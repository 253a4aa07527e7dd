"""Dossier API shapes (read side)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    step: str = Field(description="register / notify / accept / ... (see protocol)")
    officer_id: str
    at: datetime
    matter_ref: str | None
    fields: dict[str, Any]
    note: str


class ReceptionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    device: str
    officer_id: str | None
    kind: str | None
    visitors: int | None
    person_id: str | None
    person_name: str | None = None
    started_at: datetime | None
    ended_at: datetime | None
    rating: str | None = Field(description="satisfied / basically_satisfied / dissatisfied")
    rated_at: datetime | None
    risk_level: str | None
    risk_reason: str | None
    events: int = Field(description="events stored")
    events_expected: int | None = Field(description="events the box declared at the end")


class ReceptionDetail(ReceptionSummary):
    steps: list[StepPublic]


class PersonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    id_number_masked: str | None = Field(description="first 6 and last 4 characters")
    phone: str | None
    township: str | None
    address: str | None = Field(default=None, description="address, as last stated")
    created_at: datetime


class Timeline(BaseModel):
    person: PersonPublic
    receptions: list[ReceptionDetail] = Field(description="newest first")


class PersonHit(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    phone: str | None
    township: str | None
    has_id_number: bool = Field(description="an ID number is on file (shown only in the dossier)")


class MergeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_id: str = Field(min_length=1, max_length=36, description="the record merged away")
    reason: str = Field(min_length=1, max_length=2000, description="why they are the same person")


class MergeUndo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="why the merge is undone")


class MergePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    survivor_id: str
    merged_id: str
    actor: str
    at: datetime
    reason: str
    undone_at: datetime | None


class Candidate(BaseModel):
    id: str
    name: str
    score: int = Field(description="permille")
    reasons: list[str]
