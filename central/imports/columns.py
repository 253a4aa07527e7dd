"""What an import file may say, each field once: its key, the column header of the
template, whether a row must have it, and what it means. A site saves which of its own
headers means which field (the mapping); the template is the default mapping's headers
with one example row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from protocol.petitions import CATEGORIES, CHANNEL_ZH

from .errors import ImportsError


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the template's header, also the default mapping
    required: bool
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("own_no", "原文号", False, "原登记编号（有则作为事项文号，并用于识别重复导入）"),
    Column("name", "信访人姓名", True, "信访人姓名"),
    Column("id_number", "身份证号", False, "18 位公民身份号码（校验末位）"),
    Column("phone", "联系电话", False, "手机或固定电话"),
    Column("township", "乡镇（街道）", False, "信访人所在乡镇或街道"),
    Column("address", "住址", False, "信访人住址"),
    Column("channel", "来源", True, f"{'、'.join(CHANNEL_ZH.values())} 之一"),
    Column("source_organ", "转来机关", False, "来源为转来时必填"),
    Column("source_ref", "来文号", False, "转来机关的文号，或 12309 记录号"),
    Column("received_on", "登记日期", True, "收到或登记的日期，如 2025-03-18"),
    Column("category", "事项类别", True, f"{'、'.join(CATEGORIES)} 之一"),
    Column("request", "诉求", True, "信访人的诉求（事项摘要）"),
    Column("officer", "承办人", False, "本院接访人员的账号或姓名；空则记为导入人"),
    Column("decision", "受理情况", False, "受理、不予受理 或 转办；空为尚未决定"),
    Column("decided_on", "受理日期", False, "作出受理、不予受理或转办决定的日期"),
    Column("decision_note", "不予受理理由或转办机关", False, "不予受理时写理由，转办时写机关"),
    Column("handling", "办理情况", False, "办理过程（受理后）"),
    Column("replied_on", "答复日期", False, "书面答复的日期（受理后）"),
    Column("reply", "答复意见", False, "书面答复的内容或结果"),
    Column("archived_on", "归档日期", False, "立卷归档的日期；空为尚未归档"),
)
BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_MAPPING: dict[str, str] = {c.key: c.header for c in COLUMNS}
EXAMPLE: dict[str, str] = {
    "own_no": "闽侯检信〔2025〕15号", "name": "郑秀英", "id_number": "350121198001011232",
    "phone": "13900001111", "township": "甘蔗街道", "address": "甘蔗街道东园村 12 号",
    "channel": "来信", "source_organ": "", "source_ref": "", "received_on": "2025-03-18",
    "category": "控告", "request": "反映某建筑公司拖欠农民工工资，要求支持起诉",
    "officer": "", "decision": "受理", "decided_on": "2025-03-21", "decision_note": "",
    "handling": "调取劳动监察材料，约谈用工单位", "replied_on": "2025-05-30",
    "reply": "已支持起诉，工资已于5月全部兑付", "archived_on": "2025-07-15",
}  # fmt: skip


class Mapping(BaseModel):
    """Which header of the site's file holds each field (a field not named is empty)."""

    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_MAPPING),
        description="field key → the column header in the site's file",
    )

    @field_validator("columns")
    @classmethod
    def _known(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(BY_KEY))
        if unknown:
            raise ValueError(f"未知字段：{'、'.join(unknown)}")
        out = {k: h.strip()[:100] for k, h in v.items() if h.strip()}
        missing = [BY_KEY[c.key].header for c in COLUMNS if c.required and c.key not in out]
        if missing:
            raise ValueError(f"必填字段未对应到列：{'、'.join(missing)}")
        headers = list(out.values())
        twice = sorted({h for h in headers if headers.count(h) > 1})
        if twice:
            raise ValueError(f"同一列不能对应两个字段：{'、'.join(twice)}")
        return out


class MappingError(ImportsError, ValueError):
    """The file's headers do not fit the mapping (the message names the columns)."""


def locate(mapping: Mapping, headers: list[str]) -> dict[str, int]:
    """Field key → column index in a file with ``headers``; a required field's column
    missing from the file is a ``MappingError``."""
    where = {h.strip(): i for i, h in enumerate(headers) if h and h.strip()}
    out: dict[str, int] = {}
    missing: list[str] = []
    for key, header in mapping.columns.items():
        if header in where:
            out[key] = where[header]
        elif BY_KEY[key].required:
            missing.append(f"「{header}」（{BY_KEY[key].header}）")
    if missing:
        raise MappingError(f"文件缺少必填列：{'、'.join(missing)}；请核对表头或列对应")
    return out


def template_csv(mapping: Mapping | None = None) -> bytes:
    """The template as CSV (UTF-8 with BOM, so Excel opens the Chinese right)."""
    m = (mapping or Mapping()).columns
    keys = [c.key for c in COLUMNS if c.key in m]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([m[k] for k in keys])
    w.writerow([EXAMPLE[k] for k in keys])
    return ("\ufeff" + buf.getvalue()).encode()


def template_xlsx(mapping: Mapping | None = None) -> bytes:
    """The template as an Excel workbook: headers, one example row, a sheet of notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    m = (mapping or Mapping()).columns
    keys = [c.key for c in COLUMNS if c.key in m]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "信访记录"
    ws.append([m[k] for k in keys])
    ws.append([EXAMPLE[k] for k in keys])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, k in enumerate(keys):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = max(12, len(m[k]) * 2 + 4)
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "必填", "说明"])
    for k in keys:
        c = BY_KEY[k]
        notes.append([m[k], "是" if c.required else "", c.help])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
