"""Ingest API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class QuarantinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    received_at: datetime
    topic: str
    device: str | None
    payload_len: int = Field(description="full length of the payload in bytes")
    payload_sha256: str = Field(description="SHA-256 of the full payload, hex")
    reason: str = Field(description="machine-readable reason, e.g. bad_signature")
    detail: str = Field(description="what was wrong, for a person")


class Stats(BaseModel):
    receptions: int
    events: int
    quarantined: int = Field(description="messages ever quarantined (counts are kept for ever)")
    quarantined_by_reason: dict[str, int] = Field(description="the same, per reason")
    quarantine_kept: int = Field(description="quarantine rows still kept (pruned by age, size)")
    ignored_by_reason: dict[str, int] = Field(
        description="statuses and acks ignored as unsigned or forged, per reason"
    )
    ratings: dict[str, int] = Field(description="receptions per rating value")
    devices: int
    devices_online: int
    persons: int
