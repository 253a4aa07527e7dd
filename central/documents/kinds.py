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


# what a template may say (in Chinese: the admin writes ``{文号}``); each is filled
# from the matter when the paper is issued
PLACEHOLDERS: dict[str, str] = {
    "院名": "本院名称（页眉）",
    "信访人": "信访人姓名",
    "文号": "文号",
    "查询码": "查询码",
    "方式": "来信来访方式（来访、来信……）",
    "收到日期": "收到日期",
    "诉求": "诉求摘要",
    "承办人": "承办人",
    "决定日期": "作出本决定（受理、不予受理、转办、答复）的日期",
    "理由": "该步骤记载的理由或答复内容",
    "转办机关": "转办的有权处理机关",
    "程序性答复期限": "程序性答复期限（到期日）",
    "受理决定期限": "决定是否受理期限（到期日）",
    "办理期限": "办理期限（到期日）",
    "结果答复期限": "结果答复期限（到期日）",
    "复查申请天数": "申请复查的期限（日）",
}

XFTL = "《信访工作条例》（2022年）"
JJYHF = "最高人民检察院“群众信访件件有回复”制度"


@dataclass(frozen=True)
class Kind:
    kind: DocKind
    title: str
    after: str | None  # the step it reports (its date is {决定日期}); None: any time
    body: str
    basis: str


KINDS: dict[DocKind, Kind] = {
    k.kind: k
    for k in (
        Kind(
            DocKind.receipt,
            "接访回执",  # 来信收到回执 for a letter: see ``title``
            None,
            "{信访人}：\n\n"
            "本院已于{收到日期}收到您以{方式}方式提出的信访事项，文号{文号}。\n\n"
            "诉求摘要：{诉求}\n\n"
            "本院将在{程序性答复期限}前告知您是否受理，并在{结果答复期限}前答复办理过程或者结果。"
            "您可以凭本回执的文号和查询码（{查询码}），扫描二维码或登录查询页面查询办理进度。\n\n"
            "承办人：{承办人}",
            f"{XFTL}关于信访事项登记、受理和办理期限的规定；{JJYHF}"
            "（七日内程序性回复，三个月内办理过程或者结果答复）。",
        ),
        Kind(
            DocKind.accept_notice,
            "受理告知书",
            "accept",
            "{信访人}：\n\n"
            "您于{收到日期}提出的信访事项（文号{文号}），经审查，本院于{决定日期}决定受理。\n\n"
            "诉求摘要：{诉求}\n\n"
            "本院将在{办理期限}前办结并书面答复您；情况复杂的，经批准可以适当延长办理期限，"
            "并告知您延期理由。\n\n"
            "承办人：{承办人}",
            f"{XFTL}关于受理、办理期限和延期告知的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.decline_notice,
            "不予受理告知书",
            "decline",
            "{信访人}：\n\n"
            "您于{收到日期}提出的信访事项（文号{文号}），经审查，本院于{决定日期}决定不予受理。\n\n"
            "理由：{理由}\n\n"
            "如您对本决定有异议，可以依法通过其他法定途径提出。",
            f"{XFTL}关于不予受理并书面告知信访人的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.transfer_notice,
            "转办告知书",
            "transfer",
            "{信访人}：\n\n"
            "您于{收到日期}提出的信访事项（文号{文号}），不属于本院管辖，本院已于{决定日期}"
            "转送{转办机关}依法处理。\n\n"
            "说明：{理由}\n\n"
            "请您今后就该事项向{转办机关}反映。",
            f"{XFTL}关于“属地管理、分级负责，谁主管、谁负责”及转送、交办信访事项的规定；{JJYHF}。",
        ),
        Kind(
            DocKind.reply,
            "答复意见书",
            "reply",
            "{信访人}：\n\n"
            "您于{收到日期}提出的信访事项（文号{文号}），本院已依法办理，现答复如下：\n\n"
            "{理由}\n\n"
            "如您对本答复意见不服，可以自收到本答复意见书之日起{复查申请天数}日内，"
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
