"""Registry, scheduling, who may be drawn, and the hearing record (the draws themselves:
``draws.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.db import utcnow
from central.labels import HEARING_STATUS_ZH
from central.workflow.models import MatterPersonRow, MatterRow
from central.workflow.scope import matter_sites

from . import panels
from .errors import HearingsError
from .models import ConflictRow, DrawRow, HearingRow, ParticipantRow, RegistryPerson

CATEGORIES = panels.CATEGORY_LABELS

LOCAL = ZoneInfo("Asia/Shanghai")

FEATURES = panels.FEATURE_LABELS  # what a draw's quotas may be set on (registry columns)


class HearingError(HearingsError, ValueError):
    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def add_person(
    session: Session,
    *,
    name: str,
    category: str,
    organisation: str = "",
    region: str = "",
    contact: str = "",
) -> RegistryPerson:
    if category not in CATEGORIES:
        raise HearingError(f"未知类别 {category}，可选：{'、'.join(CATEGORIES)}")
    p = RegistryPerson(
        id=str(uuid.uuid4()),
        name=name,
        category=category,
        organisation=organisation,
        region=region,
        contact=contact,
        active=True,
        created_at=utcnow(),
    )
    session.add(p)
    session.flush()
    return p


def set_active(session: Session, *, person_id: str, active: bool) -> RegistryPerson:
    """Take a person off the registry (or back on): an inactive person is excluded from
    every later draw, with the reason "已停用" in its record; past draws are untouched."""
    p = session.get(RegistryPerson, person_id)
    if p is None:
        raise HearingError(f"名册中没有 {person_id}", status=404)
    p.active = active
    session.flush()
    return p


def add_conflict(session: Session, *, person_id: str, subject: str, note: str = "") -> ConflictRow:
    if session.get(RegistryPerson, person_id) is None:
        raise HearingError(f"名册中没有 {person_id}", status=404)
    if ":" not in subject:
        raise HearingError(
            "利害关系应写成 person:<编号>、matter:<编号>、org:<单位> 或 region:<地区>"
        )
    row = ConflictRow(person_id=person_id, subject=subject, note=note)
    session.add(row)
    session.flush()
    return row


def matter_of(
    session: Session, *, hearing_id: str | None = None, draw_id: str | None = None
) -> str | None:
    """The matter a hearing or a draw is about (None: no such hearing or draw)."""
    if draw_id is not None:
        row = session.get(DrawRow, draw_id)
        hearing_id = row.hearing_id if row is not None else None
    h = session.get(HearingRow, hearing_id) if hearing_id is not None else None
    return h.matter_id if h is not None else None


def guard(
    session: Session,
    scope: SiteScope,
    *,
    matter_id: str | None = None,
    hearing_id: str | None = None,
    draw_id: str | None = None,
    write: bool,
) -> None:
    """The site-scope rule for a hearing: scheduling, drawing, revealing and recording
    are for the matter's own site; reading another site's needs a reason."""
    mid = matter_id or matter_of(session, hearing_id=hearing_id, draw_id=draw_id)
    if mid is None:
        return  # the service answers 404 in its own words
    sites = matter_sites(session, mid)
    if write:
        scope.write(sites, what="该事项的听证")
    else:
        scope.read(sites, what="该事项的听证")


def schedule(
    session: Session,
    *,
    matter_id: str,
    title: str,
    mode: str,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    meeting_url: str = "",
    actor: str,
) -> HearingRow:
    if session.get(MatterRow, matter_id) is None:
        raise HearingError(f"事项不存在：{matter_id}", status=404)
    if ends_at <= starts_at:
        raise HearingError("结束时间应晚于开始时间")
    if mode == "online" and not meeting_url.startswith("https://"):
        raise HearingError("网上听证需要 https:// 开头的会议链接")
    if mode == "in_person" and not location:
        raise HearingError("现场听证需要地点")
    h = HearingRow(
        id=str(uuid.uuid4()),
        matter_id=matter_id,
        title=title,
        mode=mode,
        location=location,
        meeting_url=meeting_url,
        starts_at=starts_at,
        ends_at=ends_at,
        status="scheduled",
        created_by=actor,
        created_at=utcnow(),
        record="",
        outcome="",
    )
    session.add(h)
    session.flush()
    return h


def status_zh(h: HearingRow) -> str:
    return HEARING_STATUS_ZH.get(h.status, h.status)


def get_hearing(session: Session, hearing_id: str) -> HearingRow:
    h = session.get(HearingRow, hearing_id)
    if h is None:
        raise HearingError(f"听证不存在：{hearing_id}", status=404)
    return h


def matter_subjects(session: Session, matter_id: str) -> set[str]:
    """What a hearing officer must have no stake in: the matter and its petitioners."""
    people = session.scalars(
        select(MatterPersonRow.person_id).where(MatterPersonRow.matter_id == matter_id)
    )
    return {f"matter:{matter_id}", *(f"person:{p}" for p in people)}


def eligible(
    session: Session, h: HearingRow, *, subjects: Iterable[str], recent_days: int
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """(candidates id → feature → value, excluded id → reason) for hearing ``h``."""
    subjects = set(subjects)
    conflicts: dict[str, str] = {}
    for pid, subj in session.execute(select(ConflictRow.person_id, ConflictRow.subject)):
        if subj in subjects:
            conflicts.setdefault(pid, f"利害关系 {subj}")
    since = h.starts_at - timedelta(days=recent_days)
    recent = set(
        session.scalars(
            select(ParticipantRow.registry_id)
            .join(HearingRow, HearingRow.id == ParticipantRow.hearing_id)
            .where(
                ParticipantRow.role == "officer",
                HearingRow.id != h.id,
                HearingRow.status != "cancelled",
                HearingRow.starts_at >= since,
                HearingRow.starts_at <= h.starts_at,
            )
        )
    )
    cands: dict[str, dict[str, str]] = {}
    excluded: dict[str, str] = {}
    for p in session.scalars(select(RegistryPerson)):
        if not p.active:
            excluded[p.id] = "已停用"
        elif p.id in conflicts:
            excluded[p.id] = conflicts[p.id]
        elif p.id in recent:
            excluded[p.id] = f"{recent_days} 日内已参加听证"
        else:
            cands[p.id] = {"category": p.category, "region": p.region}
    return cands, excluded


Quotas = Mapping[str, Mapping[str, Sequence[int]]]


def draw_rules(
    *,
    quotas: Mapping[str, int] | None = None,
    panel_size: int | None = None,
    features: Quotas | None = None,
) -> tuple[int, dict[str, dict[str, list[int]]]]:
    """(panel size, feature → value → [min, max]) from either request shape: the new
    one, or the category-only ``quotas`` (category → seats), which means a panel of
    Σ seats with exactly that many of each listed category and none of the others."""
    if quotas is not None:
        if panel_size is not None or features is not None:
            raise HearingError("quotas（旧格式）与 panel_size/features 只能二选一")
        if not quotas or any(q < 1 for q in quotas.values()):
            raise HearingError("quotas 应列出至少一个类别，每个类别至少 1 人")
        return sum(quotas.values()), {"category": {c: [q, q] for c, q in quotas.items()}}
    if panel_size is None or not features:
        raise HearingError("请给出听证员人数 panel_size 与各特征的名额 features")
    for f, table in features.items():
        if f not in FEATURES:
            raise HearingError(f"不能按 {f} 设名额，可选：{'、'.join(FEATURES)}")
        if f == "category":
            for c in table:
                if c not in CATEGORIES:
                    raise HearingError(f"未知类别 {c}")
    return panel_size, {f: {v: list(b) for v, b in t.items()} for f, t in features.items()}


def cancel(session: Session, *, hearing_id: str, reason: str, actor: str) -> HearingRow:
    h = get_hearing(session, hearing_id)
    if h.status != "scheduled":
        raise HearingError(f"听证{status_zh(h)}，不能取消", status=409)
    h.status = "cancelled"
    h.record = f"{actor} 取消：{reason}"
    session.flush()
    return h


def record_outcome(
    session: Session,
    *,
    hearing_id: str,
    record: str,
    outcome: str,
    petitioner_accepts: bool | None,
    now: datetime,
    others: Iterable[tuple[str, str]] = (),
    attended: Iterable[str] = (),
) -> HearingRow:
    """听证记录, 结论 and whether the petitioner accepts it; ``others`` adds (role, name)
    participants (petitioner, organs, witnesses); ``attended`` lists registry ids present.
    Only once the hearing has started (``now``), and only once."""
    h = get_hearing(session, hearing_id)
    if h.status != "scheduled":  # once: a second record would add the others twice
        raise HearingError(f"听证{status_zh(h)}，不能再记录结果", status=409)
    if now < h.starts_at:
        start = h.starts_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
        raise HearingError(
            f"听证定于 {start}（北京时间）开始，开始之后才能记录听证结果", status=409
        )
    h.record, h.outcome, h.petitioner_accepts = record, outcome, petitioner_accepts
    h.status, h.held_at = "held", now
    present = set(attended)
    for p in session.scalars(
        select(ParticipantRow).where(
            ParticipantRow.hearing_id == h.id, ParticipantRow.role == "officer"
        )
    ):
        p.attended = p.registry_id in present
    for role, name in others:
        session.add(ParticipantRow(hearing_id=h.id, role=role, name=name, attended=True))
    session.flush()
    return h


def dossier_rows(session: Session, matter_id: str) -> list[dict[str, Any]]:
    """What the dossier timeline shows for a matter's hearings."""
    out = []
    for h in session.scalars(
        select(HearingRow).where(HearingRow.matter_id == matter_id).order_by(HearingRow.starts_at)
    ):
        parts = session.execute(
            select(ParticipantRow.role, ParticipantRow.name, ParticipantRow.attended)
            .where(ParticipantRow.hearing_id == h.id)
            .order_by(ParticipantRow.role, ParticipantRow.seat)
        ).all()
        out.append(
            {
                "id": h.id,
                "title": h.title,
                "mode": h.mode,
                "starts_at": h.starts_at.isoformat(),
                "status": h.status,
                "outcome": h.outcome,
                "record": h.record,
                "petitioner_accepts": h.petitioner_accepts,
                "participants": [{"role": r, "name": n, "attended": a} for r, n, a in parts],
            }
        )
    return out
