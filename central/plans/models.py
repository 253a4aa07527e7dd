"""Coordinated handling plans (协同接访方案): a plan per matter, tasks per organ."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from central.db import Base, JSONType, UTCDateTime
from central.workflow.models import BigId


class PlanRow(Base):
    __tablename__ = "handling_plan"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    matter_id: Mapped[str] = mapped_column(ForeignKey("matter.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), comment="draft / sent / done")
    basis: Mapped[dict[str, Any]] = mapped_column(JSONType, comment="rules fired, similar matters")
    version: Mapped[int] = mapped_column(Integer, default=1, comment="bumped on each edit")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanTaskRow(Base):
    __tablename__ = "handling_plan_task"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("handling_plan.id"), index=True)
    organ_id: Mapped[str | None] = mapped_column(ForeignKey("organ.id"), index=True)
    organ_kind: Mapped[str] = mapped_column(String(32), comment="police / xfj / township / ...")
    assignee: Mapped[str] = mapped_column(String(200), default="", comment="person or role")
    description: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), comment="open / in_progress / done")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
