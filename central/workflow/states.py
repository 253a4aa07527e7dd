"""Values of the case workflow: statuses, actions, commands and the immutable matter.

Action values 1-11 are the wire names of ``protocol.messages.WorkflowStep``; the
others (延期, 中止/恢复, 过程答复) are bookkeeping steps that change a clock, not
the procedure's position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from central import labels
from protocol.matters import MATTER_STATUS_ZH


class Status(StrEnum):
    registered = "registered"  # 已登记
    notified = "notified"  # 已告知
    accepted = "accepted"  # 已受理
    declined = "declined"  # 不予受理
    transferred = "transferred"  # 已转办
    handling = "handling"  # 办理中
    replied = "replied"  # 已书面答复
    in_review = "in_review"  # 复查中
    review_replied = "review_replied"  # 已出具复查意见
    in_re_review = "in_re_review"  # 复核中
    re_review_replied = "re_review_replied"  # 已出具复核意见
    archived = "archived"  # 已立卷归档


class Action(StrEnum):
    register = "register"  # 登记
    notify = "notify"  # 告知
    accept = "accept"  # 受理
    decline = "decline"  # 不予受理
    transfer = "transfer"  # 转办
    handle = "handle"  # 办理
    reply = "reply"  # 答复 (书面)
    review = "review"  # 复查 (申请)
    re_review = "re_review"  # 复核 (申请)
    supervise = "supervise"  # 督办
    archive = "archive"  # 立卷归档
    extend = "extend"  # 延期 (经批准并告知)
    pause = "pause"  # 中止计时 (等待补充材料 / 听证)
    resume = "resume"  # 恢复计时
    progress_reply = "progress_reply"  # 过程答复


class PauseKind(StrEnum):
    awaiting_materials = "awaiting_materials"  # 等待信访人补充材料
    hearing = "hearing"  # 听证 (复核期间，不计入期限)


# the names are shared with the box (protocol.matters), which shows them in dossiers
STATUS_ZH: dict[Status, str] = {s: MATTER_STATUS_ZH[s.value] for s in Status}

ACTION_ZH: dict[Action, str] = {a: labels.ACTION_ZH[a.value] for a in Action}


@dataclass(frozen=True, slots=True)
class Command:
    """One step an officer asks for. Which optional fields are required depends on
    the action (see ``machine.REQUIRED``)."""

    action: Action
    actor: str
    at: datetime
    reason: str = ""
    documents: tuple[str, ...] = ()
    target_organ: str | None = None  # 转办: the competent organ
    extension_days: int | None = None  # 延期
    approved_by: str | None = None  # 延期: who approved
    notice_document: str | None = None  # 延期: the notice sent to the petitioner
    pause_kind: PauseKind | None = None  # 中止
    waived: bool = False  # 归档 before the 复查/复核 window ends: petitioner waived it


@dataclass(frozen=True, slots=True)
class Transition:
    """The record of one applied step: who, when, why, with which documents."""

    seq: int
    action: Action
    from_status: Status | None
    to_status: Status
    actor: str
    at: datetime
    reason: str = ""
    documents: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Pause:
    kind: PauseKind
    reason: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Extension:
    days: int
    reason: str
    approved_by: str
    notice_document: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Matter:
    """A matter as the fold of its history. Never mutated: every step returns a new one."""

    id: str
    status: Status
    history: tuple[Transition, ...]
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    supervisions: int = 0
    reply_at: datetime | None = None  # the latest written reply (答复/复查意见/复核意见)
    progress_replies: tuple[datetime, ...] = field(default=())

    @property
    def paused(self) -> Pause | None:
        """The open pause, if the clocks are stopped now."""
        if self.pauses and self.pauses[-1].ended_at is None:
            return self.pauses[-1]
        return None

    @property
    def is_open(self) -> bool:
        return self.status is not Status.archived

    @property
    def last_at(self) -> datetime:
        return self.history[-1].at
