"""What kind of petition it is, named once for box, central and import: how it
reached the procuratorate (渠道) and its category (事项类别). The desk's 来源 select
offers the channels' Chinese names; central stores the codes.

A matter's statutory clocks start when the petition was received through its channel:
a visit when it is registered, a letter on the day it was received (收信日期), a call or
an online petition when it came in, a transferred case when the file arrived.
"""

from __future__ import annotations

from typing import Literal

CATEGORIES = ("控告", "申诉", "举报", "国家赔偿", "司法救助", "咨询", "其他")

Channel = Literal["visit", "letter", "phone", "online", "transfer"]

CHANNEL_ZH: dict[str, str] = {
    "visit": "来访",
    "letter": "来信",
    "phone": "电话",
    "online": "网上",
    "transfer": "转来",
}
# what a person reads on the intake form (the 12309 hotline and site are the national ones)
CHANNEL_LONG_ZH: dict[str, str] = {
    "visit": "来访（未经接待终端）",
    "letter": "来信",
    "phone": "电话（12309 热线）",
    "online": "网上（12309 网站）",
    "transfer": "转来（其他机关转交）",
}
RECEIVED_ZH: dict[str, str] = {
    "visit": "来访时间",
    "letter": "收信日期",
    "phone": "来电时间",
    "online": "提交时间",
    "transfer": "收到转来材料日期",
}
_BY_ZH = {zh: code for code, zh in CHANNEL_ZH.items()}


def channel_of(source: str | None) -> str:
    """The code for a Chinese 来源 (the desk's select, an import column); a desk's own
    reception when none is given."""
    text = (source or "").strip()
    if text in CHANNEL_ZH:
        return text
    return _BY_ZH.get(text, "visit")


# The 回执's QR code: the matter's 文号 and 查询码, nothing else. The box's petitioner
# screen reads it to show progress; the printed 回执 makes it. One format for both.
QR_PREFIX = "ZHIFANG-QUERY"


def query_qr_text(ref_no: str, query_code: str) -> str:
    """What the 回执's QR code holds (``ZHIFANG-QUERY 闽侯检信〔2026〕123号 K7QX2M9P``)."""
    return f"{QR_PREFIX} {ref_no} {query_code}"


def parse_query_qr(text: str) -> tuple[str, str] | None:
    """``(ref_no, query_code)`` from a scanned 回执, or None for anything else."""
    parts = text.strip().split(" ")
    if len(parts) != 3 or parts[0] != QR_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]
