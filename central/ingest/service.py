"""Read-side queries over what ingest stored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.database import unit_of_work
from central.devices.models import Device
from central.dossier.models import Person, Reception

from .models import Event, Quarantine, QuarantineCount
from .quarantine import IGNORED, QUARANTINED
from .schemas import Stats


def list_quarantine(
    session: Session,
    *,
    limit: int = 100,
    reason: str | None = None,
    device: str | None = None,
    site: str | None = None,
) -> Sequence[Quarantine]:
    """Newest first. ``site``: that site's boxes' messages and those of no known box
    (a stranger's junk concerns every site's admin)."""
    q = select(Quarantine).order_by(Quarantine.id.desc()).limit(limit)
    if site is not None:
        others = select(Device.id).where(Device.site != site)
        q = q.where(Quarantine.device.is_(None) | Quarantine.device.not_in(others))
    if reason is not None:
        q = q.where(Quarantine.reason == reason)
    if device is not None:
        q = q.where(Quarantine.device == device)
    return session.scalars(q).all()


def read_quarantine(
    session: Session,
    *,
    actor: str,
    client: str | None,
    limit: int = 100,
    reason: str | None = None,
    device: str | None = None,
    site: str | None = None,
) -> Sequence[Quarantine]:
    """``list_quarantine`` for a person: the read is audited (how many rows), committed."""
    with unit_of_work(session):
        rows = list_quarantine(session, limit=limit, reason=reason, device=device, site=site)
        audit.record(
            session, actor=actor, action="quarantine.read", target="quarantine",
            reason=f"{len(rows)} 条", client=client,
        )  # fmt: skip
    return rows


def stats(session: Session) -> Stats:
    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    ratings = dict(
        session.execute(
            select(Reception.rating, func.count())
            .where(Reception.rating.is_not(None))
            .group_by(Reception.rating)
        ).all()
    )

    def counted(kind: str) -> dict[str, int]:  # for ever: rows are pruned, counts stay
        q = (
            select(QuarantineCount.reason, func.sum(QuarantineCount.messages))
            .where(QuarantineCount.kind == kind)
            .group_by(QuarantineCount.reason)
        )
        return {reason: int(n) for reason, n in session.execute(q).all()}

    by_reason = counted(QUARANTINED)
    online = session.scalar(
        select(func.count()).select_from(Device).where(Device.status == "online")
    )
    return Stats(
        receptions=count(Reception),
        events=count(Event),
        quarantined=sum(by_reason.values()),
        quarantined_by_reason=by_reason,
        quarantine_kept=count(Quarantine),
        ignored_by_reason=counted(IGNORED),
        ratings=ratings,
        devices=count(Device),
        devices_online=online or 0,
        persons=count(Person),
    )
