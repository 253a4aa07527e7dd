"""Which persons belong to an organisation's site, for an account limited to one.

A person is on a site when one of the site's boxes received them, or one of the
site's officers handles a matter they are party to. Reading a dossier outside one's
site is possible (a petitioner moves; a joint reception) but never casual: the
console asks for a reason and the audit log records it as a cross-site read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.devices.models import Device
from central.dossier.models import Reception

from .models import MatterPersonRow, MatterRow, MatterVisitRow


def on_site(session: Session, person_ids: Iterable[str], site: str) -> set[str]:
    """The ids among ``person_ids`` that are on ``site``."""

    ids = sorted(set(person_ids))
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(
            session.scalars(
                select(Reception.person_id)
                .join(Device, Device.id == Reception.device)
                .where(Reception.person_id.in_(chunk), Device.site == site)
                .distinct()
            )
        )
        found.update(
            session.scalars(
                select(MatterPersonRow.person_id)
                .join(MatterRow, MatterRow.id == MatterPersonRow.matter_id)
                .join(Account, Account.username == MatterRow.officer_id)
                .where(MatterPersonRow.person_id.in_(chunk), Account.org == site)
                .distinct()
            )
        )
    return found


def matter_on_site(session: Session, matter_id: str, site: str) -> bool:
    """A matter is on ``site`` when one of the site's officers handles it, or it was
    registered or visited at one of the site's boxes."""

    handled = session.scalar(
        select(Account.id)
        .join(MatterRow, MatterRow.officer_id == Account.username)
        .where(MatterRow.id == matter_id, Account.org == site)
        .limit(1)
    )
    if handled is not None:
        return True
    at_desk = (
        select(Reception.id).join(Device, Device.id == Reception.device).where(Device.site == site)
    )
    registered = select(MatterRow.id).where(
        MatterRow.id == matter_id, MatterRow.reception_id.in_(at_desk)
    )
    visited = select(MatterVisitRow.matter_id).where(
        MatterVisitRow.matter_id == matter_id, MatterVisitRow.reception_id.in_(at_desk)
    )
    return session.scalar(registered.union(visited).limit(1)) is not None


# ---- the sites a record belongs to (for ``central.access.scope.SiteScope``) ----------


def person_sites(session: Session, person_id: str) -> set[str]:
    """Every site that received this person or handles a matter they are party to."""

    at_desks = (
        select(Device.site)
        .join(Reception, Reception.device == Device.id)
        .where(Reception.person_id == person_id)
    )
    handling = (
        select(Account.org)
        .join(MatterRow, MatterRow.officer_id == Account.username)
        .join(MatterPersonRow, MatterPersonRow.matter_id == MatterRow.id)
        .where(MatterPersonRow.person_id == person_id, Account.org != "*")
    )
    return set(session.scalars(at_desks.union(handling)))


def matter_sites(session: Session, matter_id: str) -> set[str]:
    """The site of the matter's officer, and of the desks it was registered or visited at."""

    officer = (
        select(Account.org)
        .join(MatterRow, MatterRow.officer_id == Account.username)
        .where(MatterRow.id == matter_id, Account.org != "*")
    )
    registered_on = select(MatterRow.site).where(
        MatterRow.id == matter_id, MatterRow.site.is_not(None)
    )
    registered = (
        select(Device.site)
        .join(Reception, Reception.device == Device.id)
        .join(MatterRow, MatterRow.reception_id == Reception.id)
        .where(MatterRow.id == matter_id)
    )
    visited = (
        select(Device.site)
        .join(Reception, Reception.device == Device.id)
        .join(MatterVisitRow, MatterVisitRow.reception_id == Reception.id)
        .where(MatterVisitRow.matter_id == matter_id)
    )
    return set(session.scalars(officer.union(registered_on, registered, visited)))


def reception_sites(session: Session, reception_id: str) -> set[str]:
    """The site of the desk that received this visit."""

    site = session.scalar(
        select(Device.site)
        .join(Reception, Reception.device == Device.id)
        .where(Reception.id == reception_id)
    )
    return {site} if site else set()


def site_reception_ids(site: str) -> Any:
    """SQL: the ids of the receptions taken at ``site``'s desks (for list filters)."""

    return (
        select(Reception.id).join(Device, Device.id == Reception.device).where(Device.site == site)
    )


def site_matter_ids(site: str) -> Any:
    """SQL: the ids of the matters on ``site`` (as ``matter_sites`` decides, in bulk)."""

    at_desk = site_reception_ids(site)
    return (
        select(MatterRow.id)
        .join(Account, Account.username == MatterRow.officer_id)
        .where(Account.org == site)
        .union(
            select(MatterRow.id).where(MatterRow.site == site),
            select(MatterRow.id).where(MatterRow.reception_id.in_(at_desk)),
            select(MatterVisitRow.matter_id).where(MatterVisitRow.reception_id.in_(at_desk)),
        )
    )
