"""What each step of a matter asks for on the console: the fields, in words, required
where the workflow requires them (``central.workflow.machine``: the authority), and
which steps are the procedure's own (shown first) and which are clock and supervision
steps (kept out of the way until needed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text / textarea / number / select / check
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()


REASON = "reason"
FORMS: dict[str, tuple[Field, ...]] = {
    "notify": (Field(REASON, "告知情况（可不填）"),),
    "accept": (Field(REASON, "受理意见", "textarea"),),
    "decline": (Field(REASON, "不予受理的理由", "textarea", True),),
    "transfer": (
        Field("target_organ", "有权处理的机关", required=True),
        Field(REASON, "转办说明", "textarea"),
    ),
    "handle": (Field(REASON, "办理情况", "textarea", True),),
    "reply": (
        Field(REASON, "答复要点", "textarea"),
        Field("documents", "书面答复文书编号（多件用逗号分隔）", required=True),
    ),
    "progress_reply": (
        Field(REASON, "过程答复内容", "textarea", True),
        Field("documents", "文书编号"),
    ),
    "review": (Field(REASON, "复查申请理由", "textarea", True),),
    "re_review": (Field(REASON, "复核申请理由", "textarea", True),),
    "supervise": (Field(REASON, "督办意见", "textarea"),),
    "extend": (
        Field("extension_days", "延长天数", "number", True),
        Field("approved_by", "批准人", required=True),
        Field("notice_document", "延期告知书编号", required=True),
        Field(REASON, "延期理由", "textarea", True),
    ),
    "pause": (
        Field(
            "pause_kind", "中止原因", "select", True,
            (("awaiting_materials", "等待信访人补充材料"), ("hearing", "听证（复核期间）")),
        ),
        Field(REASON, "中止计时的理由", "textarea", True),
    ),
    "resume": (Field(REASON, "恢复计时的说明"),),
    "archive": (
        Field("waived", "信访人已书面放弃复查、复核", "check"),
        Field(REASON, "归档说明（信访人放弃时必填）", "textarea"),
    ),
}  # fmt: skip
# the procedure's own steps; the others (clocks, supervision) sit under 其他操作
PRIMARY = frozenset(
    {"notify", "accept", "decline", "transfer", "handle", "reply", "review", "re_review", "archive"}
)
