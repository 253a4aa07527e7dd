"""What a leader, an officer or an organ sends about a plan (the JSON bodies of
``central.api.plans``; the console's plan forms parse into the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from central.params import ID_MAX


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matter_id: str = Field(min_length=1, max_length=36, description="事项编号")
    force: bool = Field(default=False, description="无规则适用时也起草")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int | None = Field(default=None, ge=1, le=ID_MAX, description="已有任务的编号；新任务不填")
    organ_id: str | None = Field(default=None, max_length=64, description="承办单位")
    organ_kind: str = Field(min_length=1, max_length=32, description="单位类别")
    assignee: str = Field(default="", max_length=200, description="责任人")
    description: str = Field(min_length=1, max_length=2000, description="任务")
    due_at: datetime = Field(description="期限（带时区）")


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=ID_MAX, description="编辑所依据的版本")
    title: str = Field(min_length=1, max_length=200, description="方案名称")
    tasks: list[TaskIn] = Field(min_length=1, max_length=100, description="全部任务")


class ProgressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "in_progress", "done"] = Field(description="进度")
    note: str = Field(default="", max_length=4000, description="办理情况")
