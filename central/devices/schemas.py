"""Device API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from protocol import keys, topics


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="device name: also its MQTT username and topic segment")
    site: str = Field(description="site (procuratorate) the box belongs to")
    public_key: str = Field(description="base64 of the box's raw 32-byte Ed25519 public key")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return topics.check_name("device", v)

    @field_validator("site")
    @classmethod
    def _site(cls, v: str) -> str:
        return topics.check_name("site", v)

    @field_validator("public_key")
    @classmethod
    def _key(cls, v: str) -> str:
        keys.load_public_b64(v.strip())
        return v.strip()


class DevicePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str = Field(validation_alias="id", description="device name")
    site: str
    public_key: str
    status: str = Field(description="online / offline, from the box's retained status")
    last_seen: datetime | None
    registered_at: datetime
    revoked_at: datetime | None
