"""The documents a matter can give the petitioner: what each is called, when it fits
the matter, and the shipped default of each site-editable template.

A template is a body (paragraphs, blank line between them) with ``{placeholders}``
filled from the matter, and a legal basis. The shipped bases name the statute and the
rule, not article numbers: the project ships no statute texts (``central/legal`` holds
what a site imports), and a site that cites an article must have it in its library
(``templates.check_basis``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DocKind(StrEnum):
    receipt = "receipt"  # 接访回执 / 来信收到回执
    accept_notice = "accept_notice"  # 受理告知书
    decline_notice = "decline_notice"  # 不予受理告知书
    transfer_notice = "transfer_notice"  # 转办告知书
    reply = "reply"  # 答复意见书


# what a template may say; each is filled from the matter when the paper is issued
PLACEHOLDERS: dict[str, str] = {
    "org": "本院名称（页眉）",
    "name": "信访人姓名",
    "ref_no": "文号",
    "query_code": "查询码",
    "channel": "来信来访方式（来访、来信……）",
    "received": "收到日期",
    "summary": "诉求摘要",
    "officer": "承办人",
    "decided": "作出本决定（受理、不予受理、转办、答复）的日期",
    "reason": "该步骤记载的理由或答复内容",
    "target_organ": "转办的有权处理机关",
    "due_procedural": "程序性答复期限（到期日）",
    "due_acceptance": "决定是否受理期限（到期日）",
    "due_handling": "办理期限（到期日）",
    "due_result": "结果答复期限（到期日）",
    "review_days": "申请复查的期限（日）",
}

XFTL = "《信访工作条例》（2022年）"
JJYHF = "最高人民检察院“群众信访件件有回复”制度"


@dataclass(frozen=True)
class Kind:
    kind: DocKind
    title: str
    after: str | None  # the step it reports (its date is {decided}); None: any time
    body: str
    basis: str


KINDS: dict[DocKind, Kind] = {
    k.kind: k
    for k in (
        Kind(
            DocKind.receipt,
            "接访回执",  # 来信收到回执 for a letter: see ``title``
            None,
            "{name}：\n\n"
            "本院已于{received}收到您以{channel}方式提出的信访事项，文号{ref_no}。\n\n"
            "诉求摘要：{summary}\n\n"
            "本院将在{due_procedural}前告知您是否受理，并在{due_result}前答复办理过程或者结果。"
            "您可以凭本回执的文号和查询码（{query_code}），扫描二维码或登录查询页面查询办理进度。\n\n"
            "承办人：{officer}",
            f"{XFTL}关于信访事项登记、受理和办理期限的规定；{JJYHF}"
            "（七日内程序性回复，三个月内办理过程或者结果答复）。",
        ),
        Kind(
            DocKind.accept_notice,
            "受理告知书",
            "accept",
            "{name}：\n\n"
            "您于{received}提出的信访事项（文号{ref_no}），经审查，本院于{decided}决定受理。\n\n"
            "诉求摘要：{summary}\n\n"
            "本院将在{due_handling}前办结并书面答复您；情况复杂的，经批准可以适当延长办理期限，"
            "并告知您延期理由。\n\n"
            "承办人：{officer}",
            f"{XFTL}关于受理、办理期限和延期告知的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.decline_notice,
            "不予受理告知书",
            "decline",
            "{name}：\n\n"
            "您于{received}提出的信访事项（文号{ref_no}），经审查，本院于{decided}决定不予受理。\n\n"
            "理由：{reason}\n\n"
            "如您对本决定有异议，可以依法通过其他法定途径提出。",
            f"{XFTL}关于不予受理并书面告知信访人的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.transfer_notice,
            "转办告知书",
            "transfer",
            "{name}：\n\n"
            "您于{received}提出的信访事项（文号{ref_no}），不属于本院管辖，本院已于{decided}"
            "转送{target_organ}依法处理。\n\n"
            "说明：{reason}\n\n"
            "请您今后就该事项向{target_organ}反映。",
            f"{XFTL}关于“属地管理、分级负责，谁主管、谁负责”及转送、交办信访事项的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.reply,
            "答复意见书",
            "reply",
            "{name}：\n\n"
            "您于{received}提出的信访事项（文号{ref_no}），本院已依法办理，现答复如下：\n\n"
            "{reason}\n\n"
            "如您对本答复意见不服，可以自收到本答复意见书之日起{review_days}日内，"
            "请求原办理机关的上一级机关复查。",
            f"{XFTL}关于书面答复、复查和复核的规定；{JJYHF}。",
        ),
    )
}

# the header of every paper: the site's own name; a site sets it in its templates
HEADER_DEFAULT = "人民检察院"


def title(kind: DocKind, channel: str) -> str:
    """The 回执 of a letter says it acknowledges a letter."""
    if kind is DocKind.receipt and channel == "letter":
        return "来信收到回执"
    return KINDS[kind].title


def fits(kind: DocKind, actions: set[str]) -> bool:
    """Whether the matter has taken the step the paper reports."""
    after = KINDS[kind].after
    return after is None or after in actions
