"""``GET /hearings/{hearing_id}``: the hearing's public notice (听证公告), for anyone,
without logging in — the page a notice board's QR code or the procuratorate's website
links to.

It shows what a 公开听证 makes public anyway: the hearing (title, time, place, or that
it is held online — the meeting link goes only to those taking part), its panel once
drawn (names and categories, never contacts), and in plain words how the panel was
drawn: who could be drawn, what was fixed in advance, which public randomness was used,
what was abandoned, and how anyone can check. Nothing here is the petitioner's: no
matter, no 文号, no outcome. The published draw record it links to is public too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.gates import PUBLIC
from central.console.templating import install
from central.deps import SessionDep
from central.hearings import beacon as bc
from central.hearings import service
from central.hearings.clock import now as clock_now
from central.hearings.models import DrawRow, HearingRow, RegistryPerson
from central.labels import HEARING_MODE_ZH, HEARING_STATUS_ZH

HERE = Path(__file__).with_name("templates")

router = APIRouter(include_in_schema=False)


@cache
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE))
    install(t.env)
    return t


@router.get("/hearings/{hearing_id}", response_class=HTMLResponse, dependencies=[Depends(PUBLIC)])
def notice_page(hearing_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    try:
        h = service.get_hearing(session, hearing_id)
    except service.HearingError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "没有这场听证") from e
    ctx = {"n": notice(session, h, now=clock_now(request))}
    return templates().TemplateResponse(request, "hearings/notice.html", ctx)


def _exclusions(excluded: list[Mapping[str, str]]) -> list[tuple[str, int]]:
    """The exclusions counted by kind of reason (who they are stays off this page)."""
    kinds: Counter[str] = Counter()
    for e in excluded:
        reason = e.get("reason", "")
        if reason.startswith("利害关系"):
            kinds["与本案有利害关系，回避"] += 1
        elif "日内已参加听证" in reason:
            kinds["近期已参加过听证，轮空"] += 1
        elif reason == "已停用":
            kinds["已不在册（停用）"] += 1
        else:
            kinds["其他原因"] += 1
    return sorted(kinds.items(), key=lambda kv: -kv[1])


def _rules(record: Mapping[str, Any]) -> str:
    """The panel's size and quotas, in words."""
    rules = record["rules"]
    k = rules.get("panel_size") or sum(v for v in rules["quotas"].values() if isinstance(v, int))
    parts = []
    for f, table in sorted(rules["quotas"].items()):
        if isinstance(table, int):  # zhifang-draw/1: category → seats
            parts.append(f"{service.CATEGORIES.get(f, f)} {table} 人")
            continue
        for v, (lo, hi) in sorted(table.items()):
            name = service.CATEGORIES.get(v, v) if f == "category" else f"{v}地区"
            if lo == hi:
                parts.append(f"{name} {lo} 人")
            elif lo == 0:
                parts.append(f"{name}至多 {hi} 人")
            elif hi >= k:
                parts.append(f"{name}至少 {lo} 人")
            else:
                parts.append(f"{name} {lo} 至 {hi} 人")
    return f"共 {k} 名听证员" + (f"，其中{'，'.join(parts)}" if parts else "")


def _candidates(record: Mapping[str, Any]) -> list[tuple[str, int]]:
    cats: Counter[str] = Counter()
    for c in record["candidates"]:
        cat = c.get("category") or c.get("features", {}).get("category", "")
        cats[service.CATEGORIES.get(cat, cat)] += 1
    return sorted(cats.items(), key=lambda kv: -kv[1])


def _account(row: DrawRow, *, now: datetime) -> dict[str, Any]:
    """One draw told in plain words: who could be drawn, what was fixed, the randomness."""
    rec = row.commit_record
    b = rec.get("beacon")
    lot = rec.get("lottery")
    out: dict[str, Any] = {
        "status": row.status,
        "committed_at": row.committed_at,
        "revealed_at": row.revealed_at,
        "n_candidates": len(rec["candidates"]),
        "by_category": _candidates(rec),
        "exclusions": _exclusions(rec["excluded"]),
        "rules": _rules(rec),
        "min_chance": f"{lot['min_chance'] / lot['denominator'] * 100:.1f}%" if lot else None,
        "n_unreachable": len(lot["unreachable"]) if lot else 0,
        "commitment": row.commitment,
        "leaf_index": row.leaf_index,
        "seed": bool(rec.get("seed_sha256")),
        "seed_by": row.seed_by,
        "beacon": None,
        "record_url": f"/api/hearings/draws/{row.id}/record" if row.status == "revealed" else None,
    }
    if b:
        quicknet = b.get("source") == bc.QUICKNET
        at = bc.quicknet_time_of(b["round"]) if quicknet else None
        out["beacon"] = {
            "round": b["round"],
            "at": at,
            "out": at is not None and at <= now,
            "url": bc.value_url(b["round"]) if quicknet else None,
            "signed": bool(row.beacon_signature),
        }
    return out


def notice(session: Session, h: HearingRow, *, now: datetime) -> dict[str, Any]:
    rows = list(
        session.scalars(
            select(DrawRow).where(DrawRow.hearing_id == h.id).order_by(DrawRow.committed_at)
        )
    )
    current = next((r for r in rows if r.status == "revealed"), None) or next(
        (r for r in rows if r.status == "committed"), None
    )
    panel: list[dict[str, Any]] = []
    if current is not None and current.status == "revealed" and current.selected:
        people = {
            p.id: p
            for p in session.scalars(
                select(RegistryPerson).where(RegistryPerson.id.in_(current.selected))
            )
        }
        for seat, pid in enumerate(current.selected, start=1):
            p = people.get(pid)
            panel.append(
                {
                    "seat": seat,
                    "name": p.name if p else "（名册中已删除）",
                    "category": service.CATEGORIES.get(p.category, p.category) if p else "",
                }
            )
    abandoned = [
        {
            "committed_at": r.committed_at,
            "abandoned_at": r.abandoned_at,
            "by": r.abandoned_by or "",
            "reason": r.abandon_reason or "",
            "leaf_index": r.leaf_index,
        }
        for r in rows
        if r.status == "abandoned"
    ]
    return {
        "title": h.title,
        "starts_at": h.starts_at,
        "ends_at": h.ends_at,
        "mode": f"{HEARING_MODE_ZH[h.mode]}听证" if h.mode in HEARING_MODE_ZH else h.mode,
        "online": h.mode == "online",
        "location": h.location,
        "status": h.status,
        "status_zh": HEARING_STATUS_ZH.get(h.status, h.status),
        "panel": panel,
        "draw": _account(current, now=now) if current is not None else None,
        "abandoned": abandoned,
    }
