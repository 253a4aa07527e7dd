"""Raising, storing and sending alerts.

``scan`` turns the workflow's due-soon/overdue clocks (``workflow.service.open_alerts``)
into stored rows, one per recipient, each sent once: the officer first, their leader
when the site's escalation rule says so; it also refreshes overdue matters' risk and
raises the high-risk matter alerts of ``risk.py`` (who hears of a high-risk reception
or matter). An early warning's alerts are raised by ``awareness.warnings`` with the
rows of ``rows.py``. Rows addressed to an officer with a desk box are also sent to the
box as an ``alert`` command; one that could not be sent is retried by the next scan.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.db import utcnow
from central.devices.models import Device
from central.evidence.models import Upload
from central.publisher import CommandPublisher
from central.workflow import service as wf
from central.workflow.alerts import Recipient
from central.workflow.config import WorkflowConfig
from central.workflow.errors import WorkflowError
from central.workflow.models import MatterRow
from protocol import topics
from protocol.ids import uuid7
from protocol.messages import Command

from .models import AlertRow
from .risk import raise_matter_risk
from .rows import LEVEL, admins_or_leaders, leaders_on_duty, new_rows

log = logging.getLogger(__name__)
COMMAND = "alert"


def scan(
    session: Session,
    *,
    config: WorkflowConfig | None = None,
    now: datetime | None = None,
    publisher: CommandPublisher | None = None,
) -> list[AlertRow]:
    """One pass: store new clock alerts, send what is unsent. Commits. Returns new rows."""

    cfg = config or WorkflowConfig()
    now = now or utcnow()

    accounts = {a.username: a for a in session.scalars(select(Account))}
    found = wf.open_alerts(session, config=cfg, now=now)
    ids = sorted({item.alert.matter_id for item in found})
    summaries: dict[str, str] = {}
    for i in range(0, len(ids), 500):  # the alerted matters' titles, by primary key
        q = select(MatterRow.id, MatterRow.summary).where(MatterRow.id.in_(ids[i : i + 500]))
        summaries.update({mid: text for mid, text in session.execute(q)})
    rows: list[AlertRow] = []
    overdue: set[str] = set()
    for item in found:
        a = item.alert
        kind = "record_problem" if a.clock is None else a.state.value
        if kind == "overdue":
            overdue.add(a.matter_id)
        who: list[tuple[str, str]] = []
        for r in a.recipients:
            if r is Recipient.officer:
                who.append((item.officer_id, "officer"))
            else:
                officer = accounts.get(item.officer_id)
                leader = item.leader_id or (officer.leader if officer else None)
                leaders = (
                    [leader]
                    if leader
                    else leaders_on_duty(session, officer.org if officer else None)
                )
                who += [(name, "leader") for name in leaders]
        title = (summaries.get(a.matter_id) or a.matter_id[:8])[:24]
        for name, role in who:
            rows.append(
                AlertRow(
                    key=f"{a.key}:{name}"[:300],
                    kind=kind,
                    level=LEVEL[kind],
                    recipient=name,
                    recipient_role=role,
                    matter_id=a.matter_id,
                    message=f"事项「{title}」{a.message}",
                    created_at=now,
                )
            )
    fresh = new_rows(session, rows)
    for mid in overdue:  # an overdue clock changes the matter's risk: keep it stored
        try:
            _, m = wf.load(session, mid)
            wf.store_risk(session, m, cfg, now)
        except WorkflowError as e:
            log.warning("risk of matter %s not refreshed: %s", mid, e)
    # a matter that became high risk by any path (a console step, a rating, the days
    # overdue) is told to its people here at the latest; keys make it once each
    high = session.scalars(
        select(MatterRow.id).where(MatterRow.risk_level == "high", MatterRow.status != "archived")
    ).all()
    fresh += raise_matter_risk(session, high, now=now)
    fresh += raise_calendar_gap(session, cfg, now=now)
    fresh += raise_parked_evidence(session, now=now, tz=cfg.rules.tz)
    session.commit()
    if publisher is not None:
        send_pending(session, publisher=publisher, now=now)
    return fresh


def raise_foreign_reception(
    session: Session,
    *,
    reception_id: str,
    owner: str,
    owner_site: str | None,
    intruder: str,
    intruder_site: str | None,
    what: str,
    now: datetime,
) -> list[AlertRow]:
    """A box spoke about (or uploaded for) a reception another box started: tell the
    on-duty leaders of both sites and the admins, naming both devices; inside the
    caller's transaction. One alert per reception, intruder and recipient."""
    names: dict[str, str] = {}
    for org in dict.fromkeys([owner_site, intruder_site]):
        for name in leaders_on_duty(session, org):
            names.setdefault(name, "leader")
    for name in admins_or_leaders(session):
        names.setdefault(name, "leader")
    message = (
        f"设备 {intruder}（{intruder_site or '未登记'}）发来了设备 {owner}（{owner_site or '?'}）"
        f"的接访 {reception_id[:8]} 的{what}，已拒收并隔离（foreign_reception）；"
        "请核查该设备是否被盗用或配置错误"
    )
    rows = [
        AlertRow(
            key=f"foreign_reception:{reception_id}:{intruder}:{name}"[:300],
            kind="foreign_reception",
            level=LEVEL["foreign_reception"],
            recipient=name,
            recipient_role=role,
            reception_id=reception_id,
            message=message,
            created_at=now,
        )
        for name, role in names.items()
    ]
    return new_rows(session, rows)


def _tell_admins(
    session: Session, *, kind: str, key: str, message: str, now: datetime
) -> list[AlertRow]:
    """An alert about the system itself to the admins (or the leaders), once per ``key``
    each; inside the caller's transaction."""
    rows = [
        AlertRow(
            key=f"{kind}:{key}:{name}"[:300],
            kind=kind,
            level=LEVEL[kind],
            recipient=name,
            recipient_role="leader",
            message=message,
            created_at=now,
        )
        for name in admins_or_leaders(session)
    ]
    return new_rows(session, rows)


def raise_calendar_gap(
    session: Session, config: WorkflowConfig, *, now: datetime
) -> list[AlertRow]:
    """The holiday calendar runs out within 60 days: tell the admins (or the leaders),
    once a day each, until the site loads the next year's file."""
    today = now.astimezone(config.rules.tz).date()
    first = config.calendar_gap(today)
    if first is None:
        return []
    return _tell_admins(
        session, kind="calendar_gap", key=f"{first}:{today}", now=now,
        message=(
            f"节假日安排只载入到 {first - timedelta(days=1)}，此后到期的期限标为待核定；"
            "请载入新一年的节假日文件（设置 ZHIFANG_CALENDAR_FILE）"
        ),
    )  # fmt: skip


PARKED_ALERT_AFTER = timedelta(hours=24)


def raise_parked_evidence(session: Session, *, now: datetime, tz: tzinfo) -> list[AlertRow]:
    """Recording segments parked (every byte here and checked, but their reception never
    reached central) for more than a day: tell the admins (or the leaders), once a day.
    The box keeps them and asks again, so nothing is lost; but a reception that does not
    arrive was likely quarantined, and someone should look."""
    since = now - PARKED_ALERT_AFTER
    count, oldest = session.execute(
        select(func.count(), func.min(Upload.created_at)).where(
            Upload.status == "parked", Upload.created_at < since
        )
    ).one()
    if not count:
        return []
    first = oldest.replace(tzinfo=oldest.tzinfo or UTC).astimezone(tz)
    devices = session.scalars(
        select(Upload.device)
        .where(Upload.status == "parked", Upload.created_at < since)
        .group_by(Upload.device)
        .order_by(Upload.device)
        .limit(5)
    ).all()
    return _tell_admins(
        session, kind="evidence_parked", key=f"{now:%Y%m%d}", now=now,
        message=(
            f"{count} 段录像已到中心，但其接待记录超过 24 小时仍未到达"
            f"（最早 {first:%Y-%m-%d %H:%M}，终端 {'、'.join(devices)}）："
            "请在隔离区查看该终端的接待事件"
        ),
    )  # fmt: skip


def raise_quarantine_flood(
    session: Session, *, count: int, limit: int, by_reason: dict[str, int], now: datetime
) -> list[AlertRow]:
    """More messages quarantined in a minute than the stated rate: tell the admins (or
    the leaders), at most once an hour each."""
    reasons = "，".join(f"{r} {n}" for r, n in sorted(by_reason.items(), key=lambda x: -x[1]))
    return _tell_admins(
        session, kind="quarantine_flood", key=f"{now:%Y%m%d%H}", now=now,
        message=(
            f"一分钟内隔离了 {count} 条消息（上限 {limit}）：{reasons[:200]}；"
            "可能是设备配置错误或恶意发送"
        ),
    )  # fmt: skip


def command_payload(row: AlertRow, *, now: datetime) -> bytes:
    cmd = Command(
        cmd_id=str(uuid7()),
        issued_at=int(now.timestamp() * 1000),
        body={
            "alert_id": row.id,
            "kind": row.kind,
            "level": row.level,
            "matter_id": row.matter_id,
            "reception_id": row.reception_id,
            "message": row.message,
        },
    )
    return json.dumps(
        cmd.model_dump(mode="json"), separators=(",", ":"), ensure_ascii=False
    ).encode()


def send_pending(
    session: Session, *, publisher: CommandPublisher, now: datetime | None = None
) -> int:
    """Send unsent officer alerts to their desk boxes. Commits. Returns how many were sent."""

    now = now or utcnow()
    pending = session.execute(
        select(AlertRow, Account.device, Device.site)
        .join(Account, Account.username == AlertRow.recipient)
        .join(Device, Device.id == Account.device)
        .where(AlertRow.sent_at.is_(None), AlertRow.recipient_role == "officer")
        .order_by(AlertRow.id)
    ).all()
    sent = 0
    for row, device, site in pending:
        try:
            publisher.publish(
                topics.command_topic(site, str(device), COMMAND), command_payload(row, now=now)
            )
        except Exception as e:  # any transport failure: keep it pending, retry next scan
            row.send_error = str(e)[:300]
            continue
        row.sent_at, row.send_error = now, None
        sent += 1
    session.commit()
    return sent


def for_account(
    session: Session, *, username: str, after_id: int = 0, limit: int = 50
) -> list[AlertRow]:
    return list(
        session.scalars(
            select(AlertRow)
            .where(AlertRow.recipient == username, AlertRow.id > after_id)
            .order_by(AlertRow.id.desc() if after_id == 0 else AlertRow.id)
            .limit(limit)
        )
    )


def unread_count(session: Session, *, username: str) -> int:
    """How many of an account's alerts are unread (the console header's badge)."""
    return (
        session.scalar(
            select(func.count()).where(AlertRow.recipient == username, AlertRow.read_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, *, username: str) -> None:
    """Mark every unread alert of an account read (in the caller's transaction)."""
    session.execute(
        update(AlertRow)
        .where(AlertRow.recipient == username, AlertRow.read_at.is_(None))
        .values(read_at=utcnow())
    )


def to_stream(
    session: Session, *, username: str, after_id: int | None, limit: int = 100
) -> list[AlertRow]:
    """The next alerts of an account's event stream, oldest first: those after
    ``after_id``, or with no ``after_id`` the unread ones."""
    which = AlertRow.read_at.is_(None) if after_id is None else AlertRow.id > after_id
    q = select(AlertRow).where(AlertRow.recipient == username, which)
    return list(session.scalars(q.order_by(AlertRow.id).limit(limit)))


def last_id(session: Session) -> int:
    """The newest alert's id (0: none yet), where a stream with nothing unread starts."""
    return int(session.scalar(select(func.coalesce(func.max(AlertRow.id), 0))) or 0)
