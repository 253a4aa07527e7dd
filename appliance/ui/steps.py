"""The procedure at the desk (全程导航): steps, their forms, and the statutory clock.

The step names are ``protocol.messages.WorkflowStep`` values; the field keys that
central's workflow reads (``reason``, ``target_organ``, ``documents``) keep those names
so central turns the event into a matter command without translation. Central's
``machine`` is the authority on what is legal; this file is what the officer is shown.
If central and boxes ever need one shared definition it belongs in ``protocol/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from protocol.petitions import CATEGORIES, CHANNEL_ZH

FieldKind = Literal["text", "textarea", "select", "check"]


# at a desk the petitioner is there in person, but may come about a letter or a call
SOURCES = tuple(CHANNEL_ZH[c] for c in ("visit", "letter", "online", "phone"))


@dataclass(frozen=True)
class StepField:
    key: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class StepDef:
    step: str  # protocol WorkflowStep value
    title: str
    explain: str  # one line for the officer
    fields: tuple[StepField, ...] = field(default_factory=tuple)
    then: tuple[str, ...] = ()  # steps that may follow; empty: go to the rating


RISK_LEVELS = {"": "无", "low": "低", "medium": "中", "high": "高（通知领导督办）"}

STEPS: dict[str, StepDef] = {
    s.step: s
    for s in (
        StepDef(
            "register",
            "登记",
            "记录来访人诉求、事项类别和来源。",
            (
                StepField("request", "诉求内容", "textarea", hint="用当事人的话写下主要诉求"),
                StepField(
                    "category",
                    "事项类别",
                    "select",
                    choices=CATEGORIES,
                ),
                StepField("source", "来源", "select", choices=SOURCES),
                StepField("risk_level", "风险等级", "select", required=False),
                StepField("risk_reason", "风险原因", required=False, hint="中、高风险必填"),
            ),
            then=("notify",),
        ),
        StepDef(
            "notify",
            "告知",
            "向当事人告知权利义务、受理范围和办理期限，并确认已告知。",
            (
                StepField("told_scope", "已告知受理范围", "check"),
                StepField("told_deadline", "已告知办理期限和答复方式", "check"),
                StepField("told_review", "已告知复查、复核的权利", "check"),
            ),
            then=("accept", "decline", "transfer"),
        ),
        StepDef(
            "accept",
            "受理",
            "属于本院管辖的，予以受理。",
            (StepField("reason", "受理意见", "textarea", required=False),),
        ),
        StepDef(
            "decline",
            "不予受理",
            "不属于检察机关受理范围的，说明理由。",
            (StepField("reason", "不予受理的理由", "textarea"),),
        ),
        StepDef(
            "transfer",
            "转办",
            "属于其他机关管辖的，转有权处理的机关。",
            (
                StepField("target_organ", "有权处理的机关", hint="例如：某某区人民法院"),
                StepField("reason", "转办说明", "textarea", required=False),
            ),
        ),
    )
}
FIRST_STEP = "register"

# 登记 of a returning visit linked to an open matter: its 诉求, 类别 and 来源 are on
# record already (nothing asked twice); what is new this time may be added.
REGISTER_LINKED = StepDef(
    "register",
    "登记",
    "本次来访并入当事人的未结事项；如有新情况，请补充。",
    (
        StepField("request", "本次补充的情况", "textarea", required=False, hint="没有可不填"),
        StepField("risk_level", "风险等级", "select", required=False),
        StepField("risk_reason", "风险原因", required=False, hint="中、高风险必填"),
    ),
    then=("notify",),
)


class StepInputError(ValueError):
    """A required field is missing or a value is not allowed; ``field`` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def clean_fields(step: StepDef, form: dict[str, str]) -> dict[str, str]:
    """The step's form as the event carries it; ``StepInputError`` names what is missing."""
    out: dict[str, str] = {}
    for f in step.fields:
        value = (form.get(f.key) or "").strip()
        if f.key == "risk_level":
            if value not in RISK_LEVELS:
                raise StepInputError(f"风险等级「{value}」无效", f.key)
        elif f.kind == "check":
            value = "1" if value in ("1", "on", "true") else ""
        elif f.choices and value and value not in f.choices:
            raise StepInputError(f"「{f.label}」的选项「{value}」无效", f.key)
        if len(value) > 4000:
            raise StepInputError(f"「{f.label}」太长（最多 4000 字）", f.key)
        if f.required and not value:
            verb = {"check": "勾选", "select": "选择"}.get(f.kind, "填写")
            raise StepInputError(f"请{verb}「{f.label}」", f.key)
        if value:
            out[f.key] = value
    if out.get("risk_level") in ("medium", "high") and not out.get("risk_reason"):
        raise StepInputError("风险为中、高时请填写风险原因", "risk_reason")
    return out


def next_steps(done: list[str]) -> tuple[str, ...]:
    """What the officer may do next, given the steps done in this reception."""
    if not done:
        return (FIRST_STEP,)
    return STEPS[done[-1]].then
