"""What the fields of a ``workflow.step`` are called, as people read them.

The desk's forms (``appliance/ui/steps.py``) send these keys; central's pages show the
step as the officer filled it in. One table, so a key never reaches a page raw.
"""

from __future__ import annotations

from collections.abc import Mapping

FIELD_ZH: Mapping[str, str] = {
    "request": "诉求内容",
    "category": "事项类别",
    "source": "来源",
    "risk_level": "风险等级",
    "risk_reason": "风险原因",
    "told_scope": "已告知受理范围",
    "told_deadline": "已告知办理期限和答复方式",
    "told_review": "已告知复查、复核的权利",
    "reason": "意见或理由",
    "target_organ": "有权处理的机关",
    "documents": "文书",
    "waived": "信访人放弃复查/复核",
    "note": "备注",
    "township": "乡镇（街道）",
    "address": "住址",
}
# how a box's checkbox or flag reads
FLAG_ZH: Mapping[str, str] = {"1": "是", "true": "是", "on": "是", "0": "否", "false": "否"}
