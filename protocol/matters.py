"""A matter's statuses as both halves name them.

Central's workflow (``central.workflow.states.Status``) moves a matter through these;
the box reads them in the dossier it shows and, on a returning visitor's open matter,
offers 受理 / 不予受理 / 转办 only while the matter still waits for that decision.
"""

from __future__ import annotations

from collections.abc import Mapping

MATTER_STATUS_ZH: Mapping[str, str] = {
    "registered": "已登记",
    "notified": "已告知",
    "accepted": "已受理",
    "declined": "不予受理",
    "transferred": "已转办",
    "handling": "办理中",
    "replied": "已书面答复",
    "in_review": "复查中",
    "review_replied": "已出具复查意见",
    "in_re_review": "复核中",
    "re_review_replied": "已出具复核意见",
    "archived": "已立卷归档",
}

# Not yet decided: a visit linked to such a matter may still 受理 / 不予受理 / 转办 it.
AWAITING_DECISION = frozenset({"registered", "notified"})
