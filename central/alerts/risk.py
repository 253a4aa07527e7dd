"""High-risk alerts: who hears that a reception or a matter is high risk.

A high-risk reception still in progress (``raise_high_risk``, called by ingest inside
its transaction) and a matter whose stored risk is high (``raise_matter_risk``, called
by ingest when a reception's rating or risk reaches its matter, and by every alert
scan) both go to the same people: the on-duty leader(s) of the site, the matter's
officer (承办人), and its 分管领导 (the matter's ``leader_id``, else the officer's own
leader). Keys make each alert once per recipient, so calling again tells nobody twice;
someone already told about a reception of a matter is not told again about the matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.workflow.models import MatterRow, MatterVisitRow

from .models import AlertRow
from .rows import LEVEL, leaders_on_duty, new_rows


def _matter_people(session: Session, matter_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Each matter's officer and 分管领导, as (username, recipient role)."""

    ids = sorted(set(matter_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(MatterRow.id, MatterRow.officer_id, MatterRow.leader_id, Account.leader)
        .outerjoin(Account, Account.username == MatterRow.officer_id)
        .where(MatterRow.id.in_(ids))
    ).all()
    out: dict[str, list[tuple[str, str]]] = {}
    for mid, officer, leader, officers_leader in rows:
        people = [(officer, "officer")] if officer else []
        if boss := leader or officers_leader:
            people.append((boss, "leader"))
        out[mid] = people
    return out


def _active(session: Session, names: Iterable[str]) -> set[str]:
    wanted = sorted(set(names))
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Account.username).where(Account.username.in_(wanted), Account.active.is_(True))
        )
    )


def _addressed(session: Session, org: str | None, people: list[tuple[str, str]]) -> dict[str, str]:
    """On-duty leaders of ``org`` plus ``people`` (active accounts only): name → role."""
    out = {name: "leader" for name in leaders_on_duty(session, org)}
    live = _active(session, [n for n, _ in people])
    for name, role in people:
        if name in live:
            out.setdefault(name, role)
    return out


def raise_high_risk(
    session: Session, *, reception_id: str, org: str | None, reason: str, now: datetime
) -> list[AlertRow]:
    """A high-risk reception in progress: tell the on-duty leader(s) of ``org`` and the
    officer and 分管领导 of each matter the reception opened or visits; inside the
    caller's transaction (ingest's: no alert without its event)."""

    mids = session.scalars(
        select(MatterVisitRow.matter_id).where(MatterVisitRow.reception_id == reception_id)
    ).all()
    people = [p for ps in _matter_people(session, mids).values() for p in ps]
    # which matter, by its 文号: two alerts with the same reason must not read alike
    refs = [r for r in session.scalars(select(MatterRow.ref_no).where(MatterRow.id.in_(mids))) if r]
    which = f"（{'、'.join(sorted(refs))}）" if refs else ""
    rows = [
        AlertRow(
            key=f"high_risk:{reception_id}:{name}"[:300],
            kind="high_risk",
            level=LEVEL["high_risk"],
            recipient=name,
            recipient_role=role,
            reception_id=reception_id,
            matter_id=mids[0] if len(mids) == 1 else None,
            message=f"高风险接访进行中{which}：{reason}"[:500],
            created_at=now,
        )
        for name, role in _addressed(session, org, people).items()
    ]
    return new_rows(session, rows)


def raise_matter_risk(
    session: Session, matter_ids: Iterable[str], *, now: datetime
) -> list[AlertRow]:
    """Each of ``matter_ids`` whose stored risk is high and which is not archived: tell
    its site's on-duty leader(s), its officer and its 分管领导, once each, unless they
    were already told about one of its receptions. Inside the caller's transaction."""

    ids = sorted(set(matter_ids))
    rows: list[AlertRow] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        high = session.execute(
            select(MatterRow.id, MatterRow.site, MatterRow.ref_no, MatterRow.risk_reason).where(
                MatterRow.id.in_(chunk),
                MatterRow.risk_level == "high",
                MatterRow.status != "archived",
            )
        ).all()
        if not high:
            continue
        people = _matter_people(session, [h.id for h in high])
        told: set[tuple[str, str]] = {
            (mid, name)
            for mid, name in session.execute(
                select(MatterVisitRow.matter_id, AlertRow.recipient)
                .join(AlertRow, AlertRow.reception_id == MatterVisitRow.reception_id)
                .where(
                    MatterVisitRow.matter_id.in_([h.id for h in high]),
                    AlertRow.kind == "high_risk",
                )
            )
        }
        for h in high:
            for name, role in _addressed(session, h.site, people.get(h.id, [])).items():
                if (h.id, name) in told:
                    continue
                rows.append(
                    AlertRow(
                        key=f"high_risk:matter:{h.id}:{name}"[:300],
                        kind="high_risk",
                        level=LEVEL["high_risk"],
                        recipient=name,
                        recipient_role=role,
                        matter_id=h.id,
                        message=f"事项{h.ref_no or ''}风险等级为高：{h.risk_reason or ''}"[:500],
                        created_at=now,
                    )
                )
    return new_rows(session, rows)
