"""Matters in the database: apply the pure machine and write the result atomically.

Each public function is one unit of work: it commits on success and rolls back on
any error, so a step is either wholly recorded (transition, status, projections) or
not at all. ``matter.version`` guards against two officers applying a step at once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.workflow.scope import matter_sites, reception_sites

from . import refs
from .alerts import Alert, Recipient, alerts
from .clocks import ClockState, clocks
from .config import WorkflowConfig
from .errors import WorkflowError
from .invariants import violations
from .machine import RECORD_POLICY, apply, register, replay
from .models import (
    OPEN_STATUSES,
    ExtensionRow,
    MatterPersonRow,
    MatterRow,
    MatterVisitRow,
    PauseRow,
    PendingStepRow,
    TransitionRow,
)
from .refs import SiteDirectory
from .risk import Level, RiskFacts, assess
from .states import Action, Command, Matter, PauseKind, Status, Transition

# Stored history was checked by the rules of its day; a later rule change must not
# make it unreadable, so it is replayed without the time windows.
HISTORY_POLICY = RECORD_POLICY


class MatterNotFound(WorkflowError, LookupError):
    code = "matter_not_found"


class ConcurrentUpdate(WorkflowError):
    code = "concurrent_update"


class ReferenceMissing(WorkflowError, LookupError):
    """A person or reception the step refers to does not exist."""

    code = "reference_missing"


class MatterArchived(WorkflowError):
    """The matter is 立卷归档: nothing more is linked to it."""

    code = "archived"


class StoredHistoryError(WorkflowError):
    """The stored transitions do not make a valid matter: shown, never used."""

    code = "stored_history_invalid"


def _to_transition(r: TransitionRow) -> Transition:
    return Transition(
        seq=r.seq,
        action=Action(r.action),
        from_status=Status(r.from_status) if r.from_status else None,
        to_status=Status(r.to_status),
        actor=r.actor,
        at=r.at,
        reason=r.reason,
        documents=tuple(r.documents),
        details=tuple(sorted((str(k), str(v)) for k, v in r.details.items())),
    )


def _to_row(matter_id: str, t: Transition, now: datetime) -> TransitionRow:
    return TransitionRow(
        matter_id=matter_id,
        seq=t.seq,
        action=t.action.value,
        from_status=t.from_status.value if t.from_status else None,
        to_status=t.to_status.value,
        actor=t.actor,
        at=t.at,
        reason=t.reason,
        documents=list(t.documents),
        details=dict(t.details),
        recorded_at=now,
    )


def _rebuild(row: MatterRow, rows: Sequence[TransitionRow]) -> Matter:
    """The matter from its stored transitions, checked against the cached row."""
    try:
        m = replay(row.id, tuple(_to_transition(r) for r in rows), HISTORY_POLICY)
    except (WorkflowError, ValueError) as e:
        raise StoredHistoryError(f"事项 {row.id} 的办理记录无法复原：{e}") from e
    problems = violations(m, HISTORY_POLICY)
    if m.status.value != row.status or len(rows) != row.version:
        problems.append("cached status/version differ from the transitions")
    if problems:
        raise StoredHistoryError(f"事项 {row.id} 的办理记录不一致：{'; '.join(problems)}")
    return m


def load(session: Session, matter_id: str, *, lock: bool = False) -> tuple[MatterRow, Matter]:
    """The row and the matter rebuilt from its transitions (checked)."""
    row = session.get(MatterRow, matter_id, with_for_update=lock)
    if row is None:
        raise MatterNotFound(f"事项不存在：{matter_id}")
    rows = session.scalars(
        select(TransitionRow)
        .where(TransitionRow.matter_id == matter_id)
        .order_by(TransitionRow.seq)
    ).all()
    return row, _rebuild(row, rows)


def open_matter(
    session: Session,
    *,
    command: Command,
    officer_id: str,
    summary: str,
    person_ids: Iterable[str] = (),
    reception_id: str | None = None,
    leader_id: str | None = None,
    matter_id: str | None = None,
    site: str | None = None,
    directory: SiteDirectory | None = None,
    config: WorkflowConfig | None = None,
) -> Matter:
    """登记: create the matter with its first transition and its persons (one unit of
    work: ``open_matter_uncommitted`` committed)."""
    try:
        with unit_of_work(session):
            return open_matter_uncommitted(
                session,
                command=command,
                officer_id=officer_id,
                summary=summary,
                person_ids=person_ids,
                reception_id=reception_id,
                leader_id=leader_id,
                matter_id=matter_id,
                site=site,
                directory=directory,
                config=config,
            )
    except IntegrityError as e:
        raise ConcurrentUpdate(
            f"无法登记事项（编号重复或关联记录刚被改动）：{m_id(matter_id)}"
        ) from e


def register_for(
    session: Session,
    *,
    scope: SiteScope,
    command: Command,
    officer_id: str,
    summary: str,
    person_ids: Iterable[str] = (),
    reception_id: str | None = None,
    leader_id: str | None = None,
    config: WorkflowConfig | None = None,
) -> Matter:
    """登记 by a person (the API): the officer and the reception must be of the caller's
    own site, then ``open_matter`` (one unit of work)."""
    guard_officer(session, officer_id, scope)
    if reception_id:
        scope.write(reception_sites(session, reception_id), what="该接访记录")
    return open_matter(
        session, command=command, officer_id=officer_id, summary=summary,
        person_ids=person_ids, reception_id=reception_id, leader_id=leader_id, config=config,
    )  # fmt: skip


def m_id(matter_id: str | None) -> str:
    return matter_id or "（新事项）"


def open_matter_uncommitted(
    session: Session,
    *,
    command: Command,
    officer_id: str,
    summary: str,
    person_ids: Iterable[str] = (),
    reception_id: str | None = None,
    leader_id: str | None = None,
    matter_id: str | None = None,
    site: str | None = None,
    directory: SiteDirectory | None = None,
    config: WorkflowConfig | None = None,
    channel: str = "visit",
    source_organ: str | None = None,
    source_ref: str | None = None,
) -> Matter:
    """``open_matter`` inside the caller's transaction (ingest): flushes, never commits.
    The matter gets its 文号 and 查询码 on ``site`` (default: the site of the desk it was
    registered at, else of its officer). ``channel``: how the petition came
    (``protocol.petitions``); its clocks start at ``command.at``, when it was received."""
    mid = matter_id or str(uuid.uuid4())
    people = list(dict.fromkeys(person_ids))
    m = register(mid, command)
    _check_refs(session, people, reception_id)
    now = utcnow()
    row = MatterRow(
        id=mid,
        status=m.status.value,
        summary=summary,
        person_id=people[0] if people else None,
        reception_id=reception_id,
        officer_id=officer_id,
        leader_id=leader_id,
        registered_at=command.at,
        updated_at=now,
        version=1,
        supervisions=0,
        paused=False,
        channel=channel,
        source_organ=source_organ,
        source_ref=source_ref,
    )
    refs.assign(
        session, row, site=site or _home_site(session, reception_id, officer_id),
        registered_at=command.at, directory=directory or (config.sites if config else None),
    )  # fmt: skip
    session.add(row)
    session.flush()  # the matter row first: the rows below refer to it
    session.add(_to_row(mid, m.history[0], now))
    for i, pid in enumerate(people):
        role = "petitioner" if len(people) == 1 else ("representative" if i == 0 else "member")
        session.add(MatterPersonRow(matter_id=mid, person_id=pid, role=role))
    if reception_id:
        session.add(
            MatterVisitRow(
                matter_id=mid,
                reception_id=reception_id,
                linked_at=command.at,
                linked_by=command.actor,
            )
        )
    audit.record(
        session,
        actor=command.actor,
        action="matter.register",
        target=f"matter:{mid}",
        reason=command.reason or summary[:200],
    )
    session.flush()
    store_risk(session, m, config or WorkflowConfig(), command.at)  # stated at the desk
    return m


def _home_site(session: Session, reception_id: str | None, officer_id: str) -> str | None:
    """Where a matter is registered: its desk's site, else its officer's (None: an
    officer not known to this central, or of every site)."""

    if reception_id:
        site = session.scalar(
            select(Device.site)
            .join(Reception, Reception.device == Device.id)
            .where(Reception.id == reception_id)
        )
        if site:
            return site
    org = session.scalar(select(Account.org).where(Account.username == officer_id))
    return org if org and org != "*" else None


def _check_refs(session: Session, people: list[str], reception_id: str | None) -> None:
    if people:
        found = set(session.scalars(select(Person.id).where(Person.id.in_(people))))
        if missing := [p for p in people if p not in found]:
            raise ReferenceMissing(f"人员不存在：{'、'.join(missing[:5])}")
    if reception_id and session.get(Reception, reception_id) is None:
        raise ReferenceMissing(f"接访记录不存在：{reception_id}")


def guard(session: Session, matter_id: str, scope: SiteScope, *, write: bool) -> str:
    """The site-scope rule for a matter: '' or the cross-site audit reason of a read;
    ``ReasonRequired`` / ``OtherSite`` otherwise (``central.access.scope``)."""
    sites = matter_sites(session, matter_id)
    if write:
        scope.write(sites, what="该事项")
        return ""
    return scope.read(sites, what="该事项")


def record_read(session: Session, *, matter_id: str, scope: SiteScope, client: str | None) -> None:
    """A matter read through the API: the site-scope rule (another site's only with a
    stated reason), then its audit row, committed."""
    with unit_of_work(session):
        cross = guard(session, matter_id, scope, write=False)
        audit.record(
            session, actor=scope.actor, action="matter.read", target=f"matter:{matter_id}",
            reason=scope.audit_reason(cross, "接口查阅"), client=client,
        )  # fmt: skip


def pending_steps(session: Session, *, site: str | None, limit: int) -> list[PendingStepRow]:
    """Box steps waiting for the steps they follow (``wire.project_steps``), oldest
    first; ``site``: only that site's desks' (None: every site's)."""
    q = select(PendingStepRow)
    if site is not None:
        q = (
            q.join(Reception, Reception.id == PendingStepRow.reception_id)
            .join(Device, Device.id == Reception.device)
            .where(Device.site == site)
        )
    return list(
        session.scalars(q.order_by(PendingStepRow.parked_at, PendingStepRow.id).limit(limit))
    )


def guard_officer(session: Session, officer_id: str, scope: SiteScope) -> None:
    """A matter opened from the console is handled on the caller's own site."""

    org = session.scalar(select(Account.org).where(Account.username == officer_id))
    if org is not None and org != "*":
        scope.write({org}, what=f"承办人 {officer_id} 所在院的事项")


def apply_step(
    session: Session,
    *,
    matter_id: str,
    command: Command,
    config: WorkflowConfig,
    scope: SiteScope,
) -> Matter:
    """Apply one step (the caller's own site's matter only); on any refusal or failure
    nothing is written."""
    try:
        with unit_of_work(session):
            guard(session, matter_id, scope, write=True)
            new = apply_step_uncommitted(
                session, matter_id=matter_id, command=command, config=config
            )
    except IntegrityError as e:
        raise ConcurrentUpdate(f"事项 {matter_id} 已被他人更新，请刷新后重试") from e
    session.expire_all()
    return new


def apply_step_uncommitted(
    session: Session, *, matter_id: str, command: Command, config: WorkflowConfig
) -> Matter:
    """``apply_step`` inside the caller's transaction (ingest): flushes, never commits.

    Also records the change in the audit log and stores the matter's risk level.
    """
    row, m = load(session, matter_id, lock=True)
    new = apply(m, command, config.policy)
    t = new.history[-1]
    now = utcnow()
    session.add(_to_row(matter_id, t, now))
    _project(session, matter_id, new, t)
    done = cast(
        CursorResult[Any],
        session.execute(
            update(MatterRow)
            .where(MatterRow.id == matter_id, MatterRow.version == row.version)
            .values(
                status=new.status.value,
                version=len(new.history),
                updated_at=now,
                supervisions=new.supervisions,
                paused=new.paused is not None,
                reply_at=new.reply_at,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    if done.rowcount != 1:
        raise ConcurrentUpdate(f"事项 {matter_id} 已被他人更新，请刷新后重试")
    audit.record(
        session,
        actor=command.actor,
        action=f"matter.{command.action.value}",
        target=f"matter:{matter_id}",
        reason=command.reason,
    )
    store_risk(session, new, config, command.at)
    session.flush()
    session.expire(row)  # updated in SQL above: the next load in this transaction re-reads it
    return new


def store_risk(session: Session, m: Matter, config: WorkflowConfig, now: datetime) -> None:
    """Persist the matter's risk level and reasons (what the console lists and sorts by)."""
    a = assess(risk_facts(session, m, config, now), config.risk)
    session.execute(
        update(MatterRow)
        .where(MatterRow.id == m.id)
        .values(risk_level=a.level.wire, risk_reason=a.reason[:200])
        .execution_options(synchronize_session=False)
    )


def _project(session: Session, matter_id: str, new: Matter, t: Transition) -> None:
    d = dict(t.details)
    if t.action is Action.pause:
        session.add(
            PauseRow(
                matter_id=matter_id,
                kind=PauseKind(d["pause_kind"]).value,
                reason=t.reason,
                started_at=t.at,
                started_seq=t.seq,
            )
        )
    elif t.action is Action.resume:
        session.execute(
            update(PauseRow)
            .where(PauseRow.matter_id == matter_id, PauseRow.ended_at.is_(None))
            .values(ended_at=t.at, ended_seq=t.seq)
            .execution_options(synchronize_session=False)
        )
    elif t.action is Action.extend:
        e = new.extensions[-1]
        session.add(
            ExtensionRow(
                matter_id=matter_id,
                days=e.days,
                reason=e.reason,
                approved_by=e.approved_by,
                notice_document=e.notice_document,
                at=e.at,
                seq=t.seq,
            )
        )


@dataclass(frozen=True)
class CancelledVisit:
    reception_id: str
    at: datetime
    reason: str


def cancelled_visits(session: Session, matter_id: str) -> list[CancelledVisit]:
    """The matter's visits withdrawn at the desk (``reception.cancelled``). The matter
    stays, with the statute's clocks running; the console says so on its page, so the
    officer decides what becomes of it (the audit log has ``matter.visit.cancelled``)."""
    rows = session.execute(
        select(Reception.id, Reception.cancelled_at, Reception.cancel_reason)
        .join(MatterVisitRow, MatterVisitRow.reception_id == Reception.id)
        .where(MatterVisitRow.matter_id == matter_id, Reception.cancelled_at.is_not(None))
        .order_by(Reception.cancelled_at)
    ).all()
    return [CancelledVisit(rid, at, why or "") for rid, at, why in rows if at is not None]


def link_visit(
    session: Session, *, matter_id: str, reception_id: str, scope: SiteScope, at: datetime,
    config: WorkflowConfig | None = None,
) -> None:  # fmt: skip
    """Link a (repeat) visit to an open matter, so the petitioner need not retell it.
    Both must be the caller's own site's."""
    actor = scope.actor
    try:
        with unit_of_work(session):
            row = session.get(MatterRow, matter_id)
            if row is None:
                raise MatterNotFound(f"事项不存在：{matter_id}")
            guard(session, matter_id, scope, write=True)
            scope.write(reception_sites(session, reception_id), what="该接访记录")
            if row.status == Status.archived.value:
                raise MatterArchived(f"事项 {matter_id} 已归档，不能再关联来访")
            _check_refs(session, [], reception_id)
            if session.get(MatterVisitRow, (matter_id, reception_id)) is None:
                session.add(
                    MatterVisitRow(
                        matter_id=matter_id,
                        reception_id=reception_id,
                        linked_at=at,
                        linked_by=actor,
                    )
                )
                audit.record(
                    session,
                    actor=actor,
                    action="matter.visit.link",
                    target=f"matter:{matter_id}",
                    reason=f"关联来访 reception:{reception_id}",
                )
                session.flush()
                _, m = load(session, matter_id)
                # a repeat visit may raise it
                store_risk(session, m, config or WorkflowConfig(), at)
    except IntegrityError as e:
        raise ConcurrentUpdate(f"关联来访未能保存，请重试：{reception_id}") from e


def visits(session: Session, matter_id: str) -> list[str]:
    return list(
        session.scalars(
            select(MatterVisitRow.reception_id)
            .where(MatterVisitRow.matter_id == matter_id)
            .order_by(MatterVisitRow.linked_at, MatterVisitRow.reception_id)
        )
    )


def risk_facts(session: Session, m: Matter, cfg: WorkflowConfig, now: datetime) -> RiskFacts:
    """Gather what the risk rules look at for one matter."""
    people = persons(session, m.id)
    seen = visits(session, m.id)
    rows = (
        session.execute(
            select(Reception.rating, Reception.risk_level, Reception.risk_reason).where(
                Reception.id.in_(seen)
            )
        ).all()
        if seen
        else []
    )
    ratings = [r.rating for r in rows]
    # the highest risk marked (or found) at any of its visits carries over, with its reason
    marked = [r for r in rows if r.risk_level in Level.__members__]
    top = max(marked, key=lambda r: Level[r.risk_level], default=None)
    late = [
        -c.days_left
        for c in clocks(m, cfg.rules, cfg.calendar, now)
        if c.state is ClockState.overdue
    ]
    return RiskFacts(
        visitors=max(len(people), 1),
        group_visit=len(people) > 1,
        repeat_visits_unresolved=max(len(seen) - 1, 0) if m.is_open else 0,
        overdue_days=max(late, default=0),
        dissatisfied=sum(r == "dissatisfied" for r in ratings),
        stated_level=Level[top.risk_level] if top is not None else None,
        stated_reason=(top.risk_reason or "") if top is not None else "",
    )


@dataclass(frozen=True, slots=True)
class Addressed:
    """An alert with the accounts it goes to (the sender maps roles to boxes/consoles)."""

    alert: Alert
    officer_id: str
    leader_id: str | None


def open_matter_ids(session: Session) -> list[str]:
    """Ids of every matter not yet archived, sorted.

    One indexed lookup per open status: SQLite keeps no histogram of ``status``, so
    for ``status IN (…open…)`` it estimates most matters and scans all of them (0.7 s
    at 300,000 matters), while an equality on one status uses the index.
    """
    found: list[str] = []
    for st in OPEN_STATUSES:
        found += session.scalars(select(MatterRow.id).where(MatterRow.status == st))
    return sorted(found)


def open_alerts(session: Session, *, config: WorkflowConfig, now: datetime) -> list[Addressed]:
    """Due-soon and overdue alerts of every open matter, most overdue first.

    A matter whose stored record is inconsistent raises an alert of its own rather than
    being skipped: nothing is missed silently.
    """
    out: list[Addressed] = []
    ids = open_matter_ids(session)
    rows: list[MatterRow] = []
    history: dict[str, list[TransitionRow]] = defaultdict(list)
    for i in range(0, len(ids), 500):  # by primary key, in bounded IN lists
        chunk = ids[i : i + 500]
        rows += session.scalars(select(MatterRow).where(MatterRow.id.in_(chunk)))
        for t in session.scalars(
            select(TransitionRow)
            .where(TransitionRow.matter_id.in_(chunk))
            .order_by(TransitionRow.matter_id, TransitionRow.seq)
        ):
            history[t.matter_id].append(t)
    for row in rows:
        try:
            m = _rebuild(row, history[row.id])
        except StoredHistoryError as e:
            who = (Recipient.officer, Recipient.leader)
            problem = Alert(row.id, None, ClockState.overdue, now.date(), who, f"办理记录异常：{e}")
            out.append(Addressed(problem, row.officer_id, row.leader_id))
            continue
        for a in alerts(row.id, clocks(m, config.rules, config.calendar, now)):
            out.append(Addressed(a, row.officer_id, row.leader_id))
    out.sort(key=lambda x: (x.alert.due_on, x.alert.matter_id, x.alert.clock or ""))
    return out


def persons(session: Session, matter_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(MatterPersonRow.person_id, MatterPersonRow.role).where(
            MatterPersonRow.matter_id == matter_id
        )
    ).all()
    return [(p, r) for p, r in rows]
