"""What the console's hearing pages show, as plain dicts: the queries live here, the
routes (``console.py``) stay thin and the templates only format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.hearings import beacon, draw, draws, service
from central.hearings.models import ConflictRow, DrawRow, HearingRow, ParticipantRow, RegistryPerson
from central.labels import DRAW_STATUS_ZH, HEARING_MODE_ZH, HEARING_ROLE_ZH, HEARING_STATUS_ZH
from central.workflow.models import MatterRow


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def registry(
    session: Session, *, category: str | None = None, active: bool | None = True
) -> list[dict[str, Any]]:
    """Registry people (filtered) with their declared conflicts."""
    q = select(RegistryPerson).order_by(RegistryPerson.category, RegistryPerson.name)
    if category:
        q = q.where(RegistryPerson.category == category)
    if active is not None:
        q = q.where(RegistryPerson.active.is_(active))
    people = list(session.scalars(q))
    conflicts: dict[str, list[ConflictRow]] = {}
    if people:
        for c in session.scalars(
            select(ConflictRow)
            .where(ConflictRow.person_id.in_([p.id for p in people]))
            .order_by(ConflictRow.id)
        ):
            conflicts.setdefault(c.person_id, []).append(c)
    return [
        {
            "id": p.id,
            "name": p.name,
            "category": p.category,
            "category_zh": service.CATEGORIES.get(p.category, p.category),
            "organisation": p.organisation,
            "region": p.region,
            "contact": p.contact,
            "active": p.active,
            "conflicts": [{"subject": c.subject, "note": c.note} for c in conflicts.get(p.id, [])],
        }
        for p in people
    ]


def upcoming(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The console's hearing list: newest first, with each one's draw state and its
    matter's 文号."""
    rows = list(
        session.scalars(select(HearingRow).order_by(HearingRow.starts_at.desc()).limit(limit))
    )
    refs: dict[str, str | None] = {}
    if rows:
        refs = dict(
            session.execute(
                select(MatterRow.id, MatterRow.ref_no).where(
                    MatterRow.id.in_({h.matter_id for h in rows})
                )
            ).all()
        )
    states: dict[str, set[str]] = {}
    if rows:
        for hid, st in session.execute(
            select(DrawRow.hearing_id, DrawRow.status).where(
                DrawRow.hearing_id.in_([h.id for h in rows])
            )
        ):
            states.setdefault(hid, set()).add(st)
    return [
        {
            "id": h.id,
            "matter_id": h.matter_id,
            "ref_no": refs.get(h.matter_id) or "（未编号）",
            "title": h.title,
            "mode_zh": HEARING_MODE_ZH.get(h.mode, h.mode),
            "starts_at": h.starts_at,
            "status": h.status,
            "status_zh": HEARING_STATUS_ZH.get(h.status, h.status),
            "draw_zh": (
                "已公布"
                if "revealed" in states.get(h.id, set())
                else "待公布"
                if "committed" in states.get(h.id, set())
                else "已放弃，未重抽"
                if states.get(h.id)
                else "未抽取"
            ),
        }
        for h in rows
    ]


def matter_exists(session: Session, matter_id: str) -> bool:
    return session.get(MatterRow, matter_id) is not None


def hearings_of(
    session: Session, matter_id: str, *, public_url: str, now: datetime
) -> list[dict[str, Any]]:
    hs = session.scalars(
        select(HearingRow).where(HearingRow.matter_id == matter_id).order_by(HearingRow.starts_at)
    )
    return [hearing(session, h, public_url=public_url, now=now) for h in hs]


def hearing(
    session: Session, h: HearingRow, *, public_url: str, now: datetime, full: bool = False
) -> dict[str, Any]:
    """One hearing: schedule, draws (newest last), participants, outcome, and — while
    a draw may still be committed (no open commitment, no result) — what the commit
    form needs; whether the outcome may be recorded yet (not before the start)."""
    parts = session.scalars(
        select(ParticipantRow)
        .where(ParticipantRow.hearing_id == h.id)
        .order_by(ParticipantRow.role, ParticipantRow.seat, ParticipantRow.id)
    ).all()
    shown = [
        draw_view(session, d, public_url=public_url, now=now, full=full)
        for d in session.scalars(
            select(DrawRow).where(DrawRow.hearing_id == h.id).order_by(DrawRow.committed_at)
        )
    ]
    states = {d["status"] for d in shown}
    may_draw = h.status == "scheduled" and not states & {"revealed", "committed"}
    return {
        "id": h.id,
        "matter_id": h.matter_id,
        "title": h.title,
        "mode": h.mode,
        "mode_zh": HEARING_MODE_ZH.get(h.mode, h.mode),
        "location": h.location,
        "meeting_url": h.meeting_url,
        "starts_at": h.starts_at,
        "ends_at": h.ends_at,
        "status": h.status,
        "status_zh": HEARING_STATUS_ZH.get(h.status, h.status),
        "record": h.record,
        "outcome": h.outcome,
        "petitioner_accepts": h.petitioner_accepts,
        "held_at": h.held_at,
        "participants": [
            {
                "role": p.role,
                "role_zh": HEARING_ROLE_ZH.get(p.role, p.role),
                "name": p.name,
                "registry_id": p.registry_id,
                "seat": p.seat,
                "attended": p.attended,
            }
            for p in parts
        ],
        "draws": shown,
        "open_draw": "committed" in states,
        "pool": pool(session, h) if may_draw else None,
        "started": now >= h.starts_at,
        "notice_url": f"/hearings/{h.id}",
        "notice_link": f"{public_url.rstrip('/')}/hearings/{h.id}",
        "beacon_round": beacon.suggest(now),
        "beacon_time": beacon.quicknet_time_of(beacon.suggest(now)),
        "quicknet": beacon.QUICKNET,
    }


def pool(session: Session, h: HearingRow, *, recent_days: int = 180) -> dict[str, Any]:
    """Who a draw committed now would start from (the default exclusions), counted by
    category and region so the quota rows can say how many each value has."""
    cands, excluded = service.eligible(
        session, h, subjects=service.matter_subjects(session, h.matter_id), recent_days=recent_days
    )
    cats = Counter(c["category"] for c in cands.values())
    regions = Counter(c["region"] for c in cands.values() if c["region"])
    return {
        "eligible": len(cands),
        "excluded": len(excluded),
        "categories": [(c, zh, cats.get(c, 0)) for c, zh in service.CATEGORIES.items()],
        "regions": sorted(regions.items()),
    }


def _names(session: Session, ids: Iterable[str]) -> dict[str, RegistryPerson]:
    ids = list(set(ids))
    if not ids:
        return {}
    return {
        p.id: p for p in session.scalars(select(RegistryPerson).where(RegistryPerson.id.in_(ids)))
    }


def chances(record: Mapping[str, Any]) -> dict[str, float]:
    """Each candidate's committed chance of a seat (``/2``: the lottery's; ``/1``:
    quota over the category's candidates)."""
    if "lottery" in record:
        lot = record["lottery"]
        return {i: w / lot["denominator"] for i, w in lot["chances"].items()}
    n = Counter(c["category"] for c in record["candidates"])
    q = record["rules"]["quotas"]
    return {
        c["id"]: min(1.0, q.get(c["category"], 0) / n[c["category"]]) for c in record["candidates"]
    }


def _quota_text(record: Mapping[str, Any]) -> list[str]:
    q = record["rules"]["quotas"]
    out = []
    for f, table in sorted(q.items()):
        if isinstance(table, int):  # /1: category → seats
            out.append(f"类别 {service.CATEGORIES.get(f, f)} {table} 人")
            continue
        label = service.FEATURES.get(f, f)
        for v, (lo, hi) in sorted(table.items()):
            zh = service.CATEGORIES.get(v, v) if f == "category" else v
            out.append(f"{label} {zh} {lo}–{hi} 人" if lo != hi else f"{label} {zh} {lo} 人")
    return out


def verify_command(public_url: str, draw_id: str) -> str:
    """What anyone runs to check a published draw (docs/hearings-draw.md)."""
    f = f"draw-{draw_id[:8]}.json"
    url = f"{public_url.rstrip('/')}/api/hearings/draws/{draw_id}/record"
    return f"curl -fsS -o {f} {url}\nzhifang hearings verify-draw {f}"


def draw_view(
    session: Session, row: DrawRow, *, public_url: str, now: datetime, full: bool = False
) -> dict[str, Any]:
    """A draw as the console shows it: what was committed (publish it before the
    randomness is known), whether its beacon round is out yet, who abandoned it and
    why, and, once revealed, the officers and ordered reserves with each one's
    committed chance, plus how to verify. ``full`` adds every candidate."""
    rec = row.commit_record
    ch = chances(rec)
    lot = rec.get("lottery")
    b = rec.get("beacon")
    quicknet = bool(b and b.get("source") == beacon.QUICKNET)
    beacon_time = beacon.quicknet_time_of(b["round"]) if b and quicknet else None
    out: dict[str, Any] = {
        "id": row.id,
        "status": row.status,
        "status_zh": DRAW_STATUS_ZH.get(row.status, row.status),
        "format": rec.get("format"),
        "commitment": row.commitment,
        "leaf_index": row.leaf_index,
        "committed_at": row.committed_at,
        "revealed_at": row.revealed_at,
        "panel_size": rec["rules"].get("panel_size", len(row.selected or [])),
        "quotas": _quota_text(rec),
        "recent_days": rec["rules"].get("recent_days"),
        "n_candidates": len(rec["candidates"]),
        "n_excluded": len(rec["excluded"]),
        "n_unreachable": len(lot["unreachable"]) if lot else 0,
        "min_chance": pct(lot["min_chance"] / lot["denominator"]) if lot else None,
        "seed_sha256": rec.get("seed_sha256"),
        "held": draws.holds_seed(row),
        "seed_by": row.seed_by,
        "beacon": b,
        "beacon_time": beacon_time,
        "beacon_out": beacon_time is not None and beacon_time <= now,
        "beacon_url": beacon.value_url(b["round"]) if b and quicknet else None,
        "beacon_signature": row.beacon_signature,
        "abandoned_at": row.abandoned_at,
        "abandoned_by": row.abandoned_by,
        "abandon_reason": row.abandon_reason,
        "record_url": f"/api/hearings/draws/{row.id}/record",
        "verify": verify_command(public_url, row.id),
    }
    if row.status == "revealed":
        result = draw.select(rec, row.seed, row.beacon_value)
        reserves = result["reserves"]
        if isinstance(reserves, dict):  # /1: per category
            reserves = [r for _c, rs in sorted(reserves.items()) for r in rs]
        people = _names(session, [*result["selected"], *reserves])
        out["seed"], out["beacon_value"] = row.seed, row.beacon_value
        out["panel_no"] = result.get("panel")
        out["selected"] = [_who(people, i, ch, seat=n) for n, i in enumerate(result["selected"], 1)]
        out["reserves"] = [_who(people, i, ch, seat=n) for n, i in enumerate(reserves, 1)]
    if full:
        people = _names(
            session, [c["id"] for c in rec["candidates"]] + [e["id"] for e in rec["excluded"]]
        )
        chosen = set(row.selected or [])
        unreachable = set(lot["unreachable"]) if lot else set()
        out["candidates"] = [
            _who(people, c["id"], ch)
            | {"chosen": c["id"] in chosen, "unreachable": c["id"] in unreachable}
            for c in rec["candidates"]
        ]
        out["excluded"] = [
            _who(people, e["id"], {}) | {"reason": e["reason"]} for e in rec["excluded"]
        ]
    return out


def _who(
    people: Mapping[str, RegistryPerson], pid: str, ch: Mapping[str, float], *, seat: int = 0
) -> dict[str, Any]:
    p = people.get(pid)
    return {
        "id": pid,
        "seat": seat,
        "name": p.name if p else pid[:8],
        "category_zh": service.CATEGORIES.get(p.category, p.category) if p else "",
        "region": p.region if p else "",
        "chance": pct(ch.get(pid)) if pid in ch else "—",
    }
