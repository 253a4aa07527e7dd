"""What a staff member sends about hearings (JSON bodies of ``central.api.hearings``,
and the console's forms, ``central.console.hearing_forms``, parse into the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Text200 = Annotated[str, Field(max_length=200)]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    category: str = Field(
        description="npc_deputy / cppcc_member / lawyer / legal_aid / community_rep / other"
    )
    organisation: Text200 = Field(default="", description="单位")
    region: str = Field(default="", max_length=100, description="地区")
    contact: Text200 = Field(default="", description="电话或邮箱")


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject: str = Field(
        min_length=3, max_length=200, description="person:<id> / matter:<id> / org:<单位>"
    )
    note: str = Field(default="", max_length=500, description="说明")


class HearingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    matter_id: str = Field(min_length=1, max_length=36, description="事项编号")
    title: str = Field(min_length=1, max_length=200, description="听证名称")
    mode: Literal["in_person", "online"] = Field(description="现场 / 网上")
    starts_at: datetime = Field(description="开始时间（带时区）")
    ends_at: datetime = Field(description="结束时间（带时区）")
    location: Text200 = Field(default="", description="现场听证地点")
    meeting_url: str = Field(default="", max_length=500, description="网上听证会议链接（如钉钉）")


class BeaconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1, max_length=100, description="drand:quicknet")
    round: int = Field(
        ge=1,
        lt=2**63,
        description="a round published at least a minute after the commit and before the "
        "hearing starts",
    )


Seats = Annotated[int, Field(ge=0, le=100)]


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    panel_size: int | None = Field(default=None, ge=1, le=100, description="听证员人数")
    features: dict[str, dict[str, tuple[Seats, Seats]]] | None = Field(
        default=None,
        description="名额：特征（category 类别 / region 地区）→ 取值 → [下限, 上限]；"
        "未列出的取值不限",
    )
    quotas: dict[str, Annotated[int, Field(ge=1, le=20)]] | None = Field(
        default=None,
        description="旧格式：类别 → 人数（等于 panel_size 为人数之和、各类别恰好该人数）",
    )
    seed_sha256: str | None = Field(
        default=None,
        description="SHA-256 (hex) of a seed someone else holds; only together with a beacon",
    )
    beacon: BeaconIn | None = Field(default=None, description="公共信标轮次")
    recent_days: int = Field(default=180, ge=0, le=3650, description="近期已参加听证者回避的天数")
    conflict_subjects: list[Text200] = Field(
        default=[], description="额外的回避对象，如 org:某单位"
    )
    hold_seed: bool = Field(
        default=False,
        description="由本系统生成并保管种子（只公布其哈希，公布结果时公开种子）；"
        "与 seed_sha256 二选一",
    )


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: str | None = Field(default=None, max_length=128, description="种子（十六进制）")
    beacon_signature: str | None = Field(
        default=None,
        max_length=200,
        description="信标该轮的签名（十六进制，drand 公布的 signature 字段）；"
        "本系统核验签名并由它得出该轮的随机数",
    )


class AbandonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="放弃理由")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record: str = Field(min_length=1, max_length=20000, description="听证记录")
    outcome: str = Field(min_length=1, max_length=4000, description="听证结论")
    petitioner_accepts: bool | None = Field(description="信访人是否接受")
    attended: list[str] = Field(default=[], description="到场听证员的名册编号")
    others: list[tuple[Literal["petitioner", "organ", "witness", "other"], Text200]] = Field(
        default=[], description="其他参加人 (角色, 姓名)"
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=2, max_length=500, description="取消理由")
