"""One row of an import file, checked (pure): the person, the matter and the steps it
went through, or every reason the row is refused. A refused row writes nothing.

Dates are days (the old registers keep no times): each step is taken at the start of
its day, Beijing time, as a letter's clocks start on the day it was received. The steps
are the machine's own (``workflow.machine``) replayed as recorded (review windows are
history, not re-judged), so an imported matter is exactly what the console would have
made, step by step."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from central.dossier import matching
from central.workflow.errors import WorkflowError
from central.workflow.machine import RECORD_POLICY, apply, register
from central.workflow.states import Action, Command, Matter
from protocol.petitions import CATEGORIES, CHANNEL_ZH

from .columns import BY_KEY
from .errors import ImportsError

LOCAL = ZoneInfo("Asia/Shanghai")
EARLIEST = date(1990, 1, 1)
DECISIONS = {"受理": Action.accept, "不予受理": Action.decline, "转办": Action.transfer}
_ALIASES = {"已受理": "受理", "不受理": "不予受理", "已转办": "转办"}
_CODES = {zh: code for code, zh in CHANNEL_ZH.items()} | {c: c for c in CHANNEL_ZH}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
LIMITS = {"name": 100, "id_number": 18, "phone": 32, "township": 200, "address": 200,
          "source_organ": 200, "source_ref": 120, "request": 2000, "officer": 64,
          "decision_note": 200, "handling": 2000, "reply": 2000, "own_no": 80}  # fmt: skip


@dataclass(frozen=True)
class Record:
    """A checked row. ``key`` is its identity at the site: the record's own number, or
    else a hash of what it says, so importing the same row again is recognised."""

    own_no: str
    name: str
    id_number: str
    phone: str
    township: str
    address: str
    channel: str
    source_organ: str
    source_ref: str
    received_on: date
    category: str
    request: str
    officer: str
    decision: str
    decided_on: date | None
    decision_note: str
    handling: str
    replied_on: date | None
    reply: str
    archived_on: date | None

    @cached_property
    def key(self) -> str:
        return f"no:{self.own_no}" if self.own_no else f"row:{self.digest[:40]}"

    @cached_property
    def digest(self) -> str:
        """SHA-256 of what the row says (to tell a changed re-import from the same)."""
        said = {f.name: getattr(self, f.name) for f in fields(self)}
        data = json.dumps(said, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()

    @property
    def closed(self) -> bool:
        """Its outcome is on record: nothing more is owed, no clock runs."""
        return (
            self.archived_on is not None
            or self.decision in ("不予受理", "转办")
            or (self.replied_on is not None)
        )


class RowRefused(ImportsError, ValueError):
    """Every reason a row cannot be imported, for the report."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("；".join(reasons))
        self.reasons = reasons


def parse_date(text: str) -> date:
    """``2025-03-18``, ``2025/3/18``, ``2025.3.18``, ``2025年3月18日`` or ``20250318``."""
    t = text.strip()
    if re.fullmatch(r"\d{8}", t):
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    m = _DATE.match(t)
    if not m:
        raise ValueError(f"「{text}」不是日期（应如 2025-03-18）")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"「{text}」不是有效日期") from None


def parse(values: dict[str, str], *, today: date) -> Record:
    """The row's record, or ``RowRefused`` with every reason (not just the first)."""
    v = {k: (values.get(k) or "").strip() for k in LIMITS} | {
        k: (values.get(k) or "").strip()
        for k in ("channel", "received_on", "category", "decision", "decided_on",
                  "replied_on", "archived_on")
    }  # fmt: skip
    bad: list[str] = []
    for k, n in LIMITS.items():
        if len(v[k]) > n:
            bad.append(f"{_label(k)}超过 {n} 字")
    for k in ("name", "request", "channel", "received_on", "category"):
        if not v[k]:
            bad.append(f"{_label(k)}必填")
    idn = v["id_number"].upper()
    if idn and not matching.valid_id_number(idn):
        bad.append(f"身份证号「{idn}」不正确（应为 18 位，末位校验码不符）")
    phone = matching.normalise_phone(v["phone"])
    if v["phone"] and not 7 <= len(phone) <= 15:
        bad.append(f"联系电话「{v['phone']}」不是电话号码")
    channel = _CODES.get(v["channel"], "")
    if v["channel"] and not channel:
        bad.append(f"来源「{v['channel']}」应为 {'、'.join(CHANNEL_ZH.values())} 之一")
    if channel == "transfer" and not v["source_organ"]:
        bad.append("来源为转来时须写明转来机关")
    if v["category"] and v["category"] not in CATEGORIES:
        bad.append(f"事项类别「{v['category']}」应为 {'、'.join(CATEGORIES)} 之一")
    decision = _ALIASES.get(v["decision"], v["decision"])
    if decision and decision not in DECISIONS:
        bad.append(f"受理情况「{v['decision']}」应为 受理、不予受理 或 转办")
    dates: dict[str, date | None] = {}
    for k in ("received_on", "decided_on", "replied_on", "archived_on"):
        dates[k] = None
        if v[k]:
            try:
                d = parse_date(v[k])
            except ValueError as e:
                bad.append(f"{_label(k)}{e}")
                continue
            if d > today:
                bad.append(f"{_label(k)} {d} 晚于今天")
            elif d < EARLIEST:
                bad.append(f"{_label(k)} {d} 早于 {EARLIEST.year} 年")
            dates[k] = d
    bad += _steps_fit(v, decision, dates)
    if bad:
        raise RowRefused(bad)
    received = dates["received_on"]
    assert received is not None
    return Record(
        own_no=v["own_no"], name=v["name"],
        id_number=idn, phone=phone, township=v["township"], address=v["address"],
        channel=channel, source_organ=v["source_organ"], source_ref=v["source_ref"],
        received_on=received, category=v["category"], request=v["request"],
        officer=v["officer"], decision=decision, decided_on=dates["decided_on"],
        decision_note=v["decision_note"], handling=v["handling"],
        replied_on=dates["replied_on"], reply=v["reply"], archived_on=dates["archived_on"],
    )  # fmt: skip


def _steps_fit(v: dict[str, str], decision: str, d: dict[str, date | None]) -> list[str]:
    """What the procedure requires of the steps' columns (before the machine checks)."""
    bad: list[str] = []
    if decision and not v["decided_on"]:
        bad.append("填写了受理情况，须填受理日期")
    if v["decided_on"] and not decision:
        bad.append("填写了受理日期，须填受理情况")
    if decision in ("不予受理", "转办") and not v["decision_note"]:
        bad.append("不予受理须写理由" if decision == "不予受理" else "转办须写明转办机关")
    accepted = decision == "受理"
    if (v["replied_on"] or v["reply"] or v["handling"]) and not accepted:
        bad.append("办理情况、答复只用于已受理的事项")
    if v["replied_on"] and not v["reply"]:
        bad.append("填写了答复日期，须填答复意见")
    if v["reply"] and not v["replied_on"]:
        bad.append("填写了答复意见，须填答复日期")
    if v["archived_on"] and not (decision in ("不予受理", "转办") or v["replied_on"]):
        bad.append("归档须在不予受理、转办或书面答复之后")
    order = [(k, d[k]) for k in ("received_on", "decided_on", "replied_on", "archived_on")]
    known = [(k, x) for k, x in order if x is not None]
    for (k1, a), (k2, b) in pairwise(known):
        if b < a:
            bad.append(f"{_label(k2)} {b} 早于{_label(k1)} {a}")
    return bad


def _label(key: str) -> str:

    return BY_KEY[key].header


def at(d: date) -> datetime:
    return datetime.combine(d, time(0, 0), LOCAL)


def steps(r: Record, *, actor: str, document: str) -> list[Command]:
    """The steps the record says were taken, as the machine's commands. ``document``
    stands for the written reply (the register's copy is not in the file)."""
    label = CHANNEL_ZH[r.channel]
    out = [Command(Action.register, actor, at(r.received_on),
                   reason=f"历史导入：{label}登记：{r.request[:150]}")]  # fmt: skip
    if r.decision and r.decided_on:
        when = at(r.decided_on)
        out.append(Command(Action.notify, actor, when, reason="历史导入：告知"))
        a = DECISIONS[r.decision]
        note = r.decision_note or "历史导入：受理"
        out.append(
            Command(a, actor, when, reason=note,
                    target_organ=r.decision_note if a is Action.transfer else None)
        )  # fmt: skip
        if a is Action.accept and (r.handling or r.replied_on):
            done = at(r.replied_on or r.decided_on)
            out.append(Command(Action.handle, actor, done, reason=r.handling or "办理"))
        if r.replied_on:
            out.append(Command(Action.reply, actor, at(r.replied_on), reason=r.reply,
                               documents=(document,)))  # fmt: skip
    if r.archived_on:
        out.append(Command(Action.archive, actor, at(r.archived_on), reason="历史导入：立卷归档"))
    return out


def build(matter_id: str, commands: list[Command]) -> Matter:
    """The matter the steps make (``RowRefused`` if the procedure does not allow them)."""
    try:
        m = register(matter_id, commands[0])
        for c in commands[1:]:
            m = apply(m, c, RECORD_POLICY)
    except WorkflowError as e:
        raise RowRefused([f"办理步骤不合程序：{e}"]) from e
    return m
