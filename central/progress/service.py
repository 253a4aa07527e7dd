"""One lookup of a matter's progress by 文号 and 查询码: throttled, compared in
constant time, audited, and answered with status only (``protocol.progress``).

Enumeration gets nothing: an unknown 文号 and a wrong code take the same path (one
indexed read by 文号, a constant-time comparison against the stored code or against a
dummy of the same length, one audit row) and get the same answer, ``NotFound``. The
查询码 is never stored by a lookup, not even hashed (8 characters from 31 are few
enough to brute-force from a hash); the audit row says only whether it matched.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.workflow import service as workflow
from central.workflow.clocks import WINDOWS, ClockState, clocks
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterRow
from central.workflow.refs import CODE_LENGTH, LOCAL, SiteDirectory, normalise_code
from central.workflow.states import Action, Matter, Status
from protocol.petitions import CHANNEL_ZH
from protocol.progress import DECISION_ZH, NextDeadline, ProgressStatus

from . import throttle
from .errors import ProgressError
from .throttle import Limits

ACTION = "progress.lookup"
DEPARTMENT = "控告申诉检察部门"  # the department that handles 信访 in a procuratorate
UNNAMED_SITE = "登记本事项的人民检察院"
_DUMMY = "#" * CODE_LENGTH  # never a code (not in the alphabet): the unknown 文号's compare
_OPEN = ("〔", "［", "[", "【", "(", "（")
_CLOSE = ("〕", "］", "]", "】", ")", "）")
_LIVE = (ClockState.running, ClockState.due_soon, ClockState.overdue, ClockState.paused)


class NotFound(ProgressError, LookupError):
    """No matter with this 文号 and this code (which of the two is wrong is not said)."""


class Throttled(ProgressError):
    """Too many lookups from this caller, or of this 文号: try after ``until``."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True, slots=True)
class Caller:
    """Who looks: an address on the public routes, a box on its signed route."""

    scope: str  # throttle.ADDRESS or throttle.BOX
    key: str  # the address, or the device name
    actor: str  # what the audit log writes
    client: str | None  # the address, for the audit log


def normalise_ref(text: str) -> str:
    """A typed 文号 as stored: spaces dropped, look-alike brackets made 〔〕."""
    out = re.sub(r"\s+", "", text)
    for c in _OPEN:
        out = out.replace(c, "〔")
    for c in _CLOSE:
        out = out.replace(c, "〕")
    return out[:80]


def _same(typed: str, stored: str | None) -> bool:
    """Constant-time comparison; a matter without a code matches nothing."""
    ok = hmac.compare_digest(typed.encode(), (stored or _DUMMY).encode())
    return ok and stored is not None


def lookup(
    session: Session, *, ref_no: str, query_code: str, caller: Caller, limits: Limits,
    config: WorkflowConfig, directory: SiteDirectory, now: datetime,
) -> ProgressStatus:  # fmt: skip
    """The matter's status, or ``NotFound`` / ``Throttled``. Commits its own work:
    the throttle's count and the audit row (start with a fresh session)."""
    ref = normalise_ref(ref_no)
    code = normalise_code(query_code)[:32]
    verdict = throttle.admit(
        session, caller_scope=caller.scope, caller=caller.key, ref_no=ref, limits=limits, now=now
    )
    if isinstance(verdict, throttle.Refused):
        session.rollback()
        raise Throttled(_throttled(verdict.until), verdict.until)
    row = session.scalars(select(MatterRow).where(MatterRow.ref_no == ref)).first()
    matched = _same(code, row.query_code if row is not None else None)
    audit.record(
        session, actor=caller.actor, action=ACTION,
        target=f"matter:{row.id}" if row is not None else f"ref:{ref}",
        reason=("查询码正确" if matched else "文号或查询码不正确")
        + f"（此调用方本时段第 {verdict.caller_count} 次，此文号第 {verdict.ref_count} 次）",
        client=caller.client,
    )  # fmt: skip
    session.commit()
    if row is None or not matched:
        raise NotFound("文号或查询码不正确")
    try:
        row, matter = workflow.load(session, row.id)
    except (workflow.StoredHistoryError, workflow.MatterNotFound) as e:
        raise NotFound("文号或查询码不正确") from e  # nothing half-true goes out
    return status_of(row, matter, config=config, directory=directory, now=now)


def _throttled(until: datetime) -> str:
    return f"查询过于频繁，请于 {until.astimezone(LOCAL):%H:%M}（北京时间）以后再试。"


def _day(at: datetime) -> date:
    return at.astimezone(LOCAL).date()


def handled_by(site: str | None, directory: SiteDirectory) -> str:
    names = directory.names(site) if site else None
    if names is None or not names.name:
        return f"{UNNAMED_SITE}{DEPARTMENT}"
    return f"{names.name}{DEPARTMENT}"


def status_of(
    row: MatterRow, m: Matter, *, config: WorkflowConfig, directory: SiteDirectory,
    now: datetime,
) -> ProgressStatus:  # fmt: skip
    """What the public may read of a matter (pure over the loaded matter)."""
    h = m.history
    decided = next(
        (t for t in h if t.action in (Action.accept, Action.decline, Action.transfer)), None
    )
    decision = {
        Action.accept: "accepted", Action.decline: "declined", Action.transfer: "transferred"
    }[decided.action] if decided else "pending"  # fmt: skip
    reply = next((t for t in h if t.action is Action.reply), None)
    organ = dict(decided.details).get("target_organ") if decided else None
    return ProgressStatus(
        ref_no=row.ref_no or "",
        received_on=_day(h[0].at),
        channel=row.channel,
        channel_zh=CHANNEL_ZH.get(row.channel, "来访"),
        decision=decision,
        decision_zh=DECISION_ZH[decision],
        decided_on=_day(decided.at) if decided else None,
        handled_by=handled_by(row.site, directory),
        transferred_to=organ if decision == "transferred" else None,
        next_deadline=_next(m, config, now),
        replied=reply is not None,
        replied_on=_day(reply.at) if reply else None,
        closed=m.status is Status.archived,
    )


def _next(m: Matter, config: WorkflowConfig, now: datetime) -> NextDeadline | None:
    """The earliest date still due from us; else the petitioner's own open window."""
    if m.status is Status.archived:
        return None
    all_clocks = clocks(m, config.rules, config.calendar, now)
    ours = [c for c in all_clocks if c.kind not in WINDOWS and c.state in _LIVE]
    if ours:
        c = min(ours, key=lambda c: c.due_on)
        return NextDeadline(
            label=c.label, due_on=c.due_on, paused=c.state is ClockState.paused,
            provisional=not c.calendar_covered,
        )  # fmt: skip
    theirs = [c for c in all_clocks if c.kind in WINDOWS and c.state is ClockState.window_open]
    if theirs:
        c = min(theirs, key=lambda c: c.due_on)
        return NextDeadline(
            label=c.label, due_on=c.due_on, petitioner=True, provisional=not c.calendar_covered
        )
    return None
