"""The public progress of a matter (进度查询): what anyone holding the 回执's 文号 and
查询码 may read, and the box's request for it.

Only this: when and how the matter was received, whether it was accepted (and by
which procuratorate, or to which organ it was transferred), the next deadline, and
whether and when it was replied to. No name, no content, no officer: a 回执 can be
lost or shown to others, so what it opens must harm nobody.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["pending", "accepted", "declined", "transferred"]

DECISION_ZH: dict[str, str] = {
    "pending": "尚未决定是否受理",
    "accepted": "已受理",
    "declined": "不予受理",
    "transferred": "已转办",
}
NOT_FOUND_ZH = "文号或查询码不正确，请核对回执后重新输入。"
THROTTLED_ZH = "查询过于频繁，请稍后再试。"
UNAVAILABLE_ZH = "现在无法连接中心服务器，暂时查不到办理进度，请稍后再试或到窗口询问。"


class ProgressQuery(BaseModel):
    """What the petitioner types, or the box read from the 回执's QR code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref_no: str = Field(min_length=1, max_length=80, description="文号, as on the 回执")
    query_code: str = Field(min_length=1, max_length=32, description="查询码, as on the 回执")


class NextDeadline(BaseModel):
    # a read of central's answer: unknown keys are ignored so central can add fields
    # without breaking the boxes in the field (as appliance.central_client does)
    model_config = ConfigDict(extra="ignore", frozen=True)

    label: str = Field(description="what is due, in Chinese (作出受理决定, 答复结果, ...)")
    due_on: date = Field(description="the last day (Beijing time)")
    paused: bool = Field(default=False, description="the clock is stopped (补充材料)")
    petitioner: bool = Field(
        default=False, description="the petitioner's own window (申请复查/复核), not ours"
    )
    provisional: bool = Field(
        default=False,
        description="待核定: the day lies past the holiday calendar central has loaded",
    )


class ProgressStatus(BaseModel):
    """The answer: status only."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ref_no: str = Field(description="文号")
    received_on: date = Field(description="the day it was received (its clocks start)")
    channel: str = Field(description="visit / letter / phone / online / transfer")
    channel_zh: str = Field(description="来访 / 来信 / 电话 / 网上 / 转来")
    decision: Decision = Field(description="accepted or not")
    decision_zh: str = Field(description="the decision in Chinese")
    decided_on: date | None = Field(default=None, description="the day of the decision")
    handled_by: str = Field(description="the procuratorate (and department) handling it")
    transferred_to: str | None = Field(default=None, description="转办: the competent organ")
    next_deadline: NextDeadline | None = Field(default=None, description="the next date due")
    replied: bool = Field(description="a written reply (答复) has been given")
    replied_on: date | None = Field(default=None, description="the day of the first reply")
    closed: bool = Field(default=False, description="立卷归档: nothing more is due")
