"""待办 / 临期 / 超期: an officer's or a leader's open matters, by their next deadline.

A matter's *next deadline* is the earliest due date among its running clocks (the
windows for the petitioner's own requests are not the office's deadlines). Its bucket
is that clock's state: 超期 (overdue), 临期 (due soon), else 待办.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.workflow.scope import site_matter_ids

from .clocks import WINDOWS, ClockState, clocks
from .config import WorkflowConfig
from .models import MatterRow, TransitionRow
from .service import OPEN_STATUSES, StoredHistoryError, _rebuild

BUCKETS = ("overdue", "due_soon", "todo")


@dataclass(frozen=True, slots=True)
class WorkItem:
    matter_id: str
    ref_no: str | None
    summary: str
    status: str
    officer_id: str
    leader_id: str | None
    registered_at: datetime
    bucket: str  # overdue / due_soon / todo
    clock: str | None  # the next deadline's name, e.g. 程序性回复
    due_on: date | None
    days_left: int | None
    risk_level: str | None
    provisional: bool = False  # the due date lies past the holiday calendar: 待核定


def _whose(
    session: Session, *, officer: str | None, leader: str | None, site: str | None
) -> list[MatterRow]:
    """Open matters: of the officer; of the leader (分管, or of the officers they lead);
    or of a whole site (an admin's view)."""

    q = select(MatterRow).where(MatterRow.status.in_(OPEN_STATUSES))
    if officer is not None:
        q = q.where(MatterRow.officer_id == officer)
    elif leader is not None:
        led = select(Account.username).where(Account.leader == leader)
        q = q.where(or_(MatterRow.leader_id == leader, MatterRow.officer_id.in_(led)))
    elif site is not None:
        q = q.where(MatterRow.id.in_(site_matter_ids(site)))
    return list(session.scalars(q.limit(5000)))


def worklist(
    session: Session,
    *,
    config: WorkflowConfig,
    now: datetime,
    officer: str | None = None,
    leader: str | None = None,
    site: str | None = None,
) -> list[WorkItem]:
    """Most urgent first: overdue, then due soon, then the rest, each by due date."""
    rows = _whose(session, officer=officer, leader=leader, site=site)
    history: dict[str, list[TransitionRow]] = defaultdict(list)
    ids = [r.id for r in rows]
    for i in range(0, len(ids), 500):
        for t in session.scalars(
            select(TransitionRow)
            .where(TransitionRow.matter_id.in_(ids[i : i + 500]))
            .order_by(TransitionRow.matter_id, TransitionRow.seq)
        ):
            history[t.matter_id].append(t)
    items: list[WorkItem] = []
    for row in rows:
        try:
            m = _rebuild(row, history[row.id])
        except StoredHistoryError:
            items.append(_item(row, "overdue", "办理记录异常", None, None))
            continue
        live = [
            c
            for c in clocks(m, config.rules, config.calendar, now)
            if c.kind not in WINDOWS
            and c.state in (ClockState.running, ClockState.due_soon, ClockState.overdue)
        ]
        nxt = min(live, key=lambda c: c.due_on, default=None)
        if nxt is None:
            items.append(_item(row, "todo", None, None, None))
            continue
        bucket = nxt.state.value if nxt.state is not ClockState.running else "todo"
        items.append(
            _item(row, bucket, nxt.label, nxt.due_on, nxt.days_left, not nxt.calendar_covered)
        )
    order = {b: i for i, b in enumerate(BUCKETS)}
    items.sort(key=lambda w: (order[w.bucket], w.due_on or date.max, w.registered_at))
    return items


def _item(
    row: MatterRow,
    bucket: str,
    clock: str | None,
    due: date | None,
    left: int | None,
    provisional: bool = False,
) -> WorkItem:
    return WorkItem(
        row.id, row.ref_no, row.summary, row.status, row.officer_id, row.leader_id,
        row.registered_at, bucket, clock, due, left, row.risk_level, provisional,
    )  # fmt: skip
