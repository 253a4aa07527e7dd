"""Small units of work the API and console share: tags, clock-filtered lists, reports."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.db import utcnow
from central.dossier.models import Person, ReceptionStep
from central.workflow.models import MatterRow, TransitionRow
from central.workflow.scope import matter_sites

from . import kpis, lists
from .charts import Ctx
from .models import AlertRow, MatterTagRow, ReportRow


def tag_matter(
    session: Session, *, matter_id: str, category: str, organ: str | None, actor: str
) -> MatterTagRow:
    """Set a matter's category and organ (recorded in the audit log)."""
    if session.get(MatterRow, matter_id) is None:
        raise LookupError(f"事项不存在：{matter_id}")
    row = session.get(MatterTagRow, matter_id)
    if row is None:
        row = MatterTagRow(matter_id=matter_id)
        session.add(row)
    row.category = category.strip()
    row.organ = (organ or "").strip() or None
    row.tagged_by = actor
    row.tagged_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="matter.tag",
        target=f"matter:{matter_id}",
        reason=f"类别={row.category} 机关={row.organ or '—'}",
    )
    return row


def set_tag(
    session: Session, *, scope: SiteScope, matter_id: str, category: str, organ: str | None
) -> MatterTagRow:
    """A person tags a matter (``tag_matter``): their own site's only; committed."""
    with unit_of_work(session):
        scope.write(matter_sites(session, matter_id), what="该事项")
        return tag_matter(
            session, matter_id=matter_id, category=category, organ=organ, actor=scope.actor
        )


def tags_from_steps(
    session: Session, *, now: datetime | None = None, matter_ids: Iterable[str] | None = None
) -> int:
    """Tag untagged matters from what the box recorded: the 登记 step's ``category``
    field at the reception where the matter was registered, and the organ of its latest
    转办. Ingest calls it with the matters a batch registered (so the dashboard has the
    officer's category as the reception arrives); the hourly jobs with none (all).
    Returns how many were tagged (the caller commits)."""
    untagged = (
        select(MatterRow.id, ReceptionStep.fields)
        .join(ReceptionStep, ReceptionStep.reception_id == MatterRow.reception_id)
        .where(
            ReceptionStep.step == "register",
            ~select(MatterTagRow.matter_id).where(MatterTagRow.matter_id == MatterRow.id).exists(),
        )
    )
    if matter_ids is not None:
        ids = sorted(set(matter_ids))
        if not ids:
            return 0
        untagged = untagged.where(MatterRow.id.in_(ids))
    n = 0
    for mid, fields in session.execute(untagged).all():
        category = str((fields or {}).get("category") or "").strip()[:64]
        if not category or session.get(MatterTagRow, mid) is not None:
            continue
        organ = session.scalar(
            select(TransitionRow.details)
            .where(TransitionRow.matter_id == mid, TransitionRow.action == "transfer")
            .order_by(TransitionRow.seq.desc())
            .limit(1)
        )
        session.add(
            MatterTagRow(
                matter_id=mid,
                category=category,
                organ=(organ or {}).get("target_organ"),
                tagged_by="box:登记",
                tagged_at=now or utcnow(),
            )
        )
        session.flush()
        n += 1
    return n


def matter_page(
    ctx: Ctx,
    *,
    dims: dict[str, str],
    clock: str | None,
    state: str | None,
    limit: int,
    offset: int,
    site: str | None = None,
) -> lists.Page[lists.MatterItem]:
    """Matters in scope; with ``clock``/``state``: the open matters with that clock alert
    now (registered any time, as the clock chart counts them); ``site``: its own only."""
    only: set[str] | None = None
    f: Any = ctx.f
    if clock or state:
        found = kpis.clock_alerts(
            ctx.session, f=ctx.f, tz=ctx.tz, config=ctx.config, now=ctx.now, cache=ctx.clock_cache
        )
        only = {
            a.alert.matter_id
            for a in found
            if (not clock or (a.alert.clock.value if a.alert.clock else "record") == clock)
            and (not state or a.alert.state.value == state)
        }
        f = None
        dims = {**dims}
        if ctx.f.township:
            dims["township"] = ctx.f.township
        if ctx.f.category:
            dims["category"] = ctx.f.category
    return lists.matter_list(
        ctx.session, f=f, tz=ctx.tz, dims=dims, only=only, limit=limit, offset=offset, site=site
    )


def alert_public(a: AlertRow) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "subject": a.subject,
        "level": a.level,
        "message": a.message,
        "link": a.link,
        "numbers": a.numbers,
        "p_value": a.p_value,
        "raised_at": a.raised_at.isoformat(),
    }


def reports(session: Session, *, limit: int = 50) -> list[ReportRow]:
    stmt = select(ReportRow).order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
    return list(session.scalars(stmt.limit(limit)))


def report_public(r: ReportRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "month": r.month,
        "trigger": r.trigger,
        "requested_by": r.requested_by,
        "created_at": r.created_at.isoformat(),
        "pdf": f"/api/awareness/reports/{r.id}/pdf",
        "xlsx": f"/api/awareness/reports/{r.id}/xlsx",
        "pdf_sha256": r.pdf_sha256,
        "xlsx_sha256": r.xlsx_sha256,
    }


MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_file(session: Session, *, report_id: int, fmt: str) -> tuple[Path, str, str]:
    row = session.get(ReportRow, report_id)
    if row is None or fmt not in MEDIA:
        raise LookupError(f"没有编号为 {report_id} 的 {fmt} 报告")
    path = Path(row.pdf_path if fmt == "pdf" else row.xlsx_path)
    if not path.is_file():
        raise LookupError(f"报告文件已不在：{path.name}")
    return path, MEDIA[fmt], f"zhifang-{row.month}.{fmt}"


def filter_choices(session: Session) -> dict[str, list[str]]:
    """What the dashboard's filters offer: the townships people live in, the categories
    matters are tagged with."""
    towns = session.scalars(
        select(Person.township)
        .where(Person.township.is_not(None))
        .distinct()
        .order_by(Person.township)
    )
    cats = session.scalars(select(MatterTagRow.category).distinct().order_by(MatterTagRow.category))
    return {"townships": [t for t in towns if t], "categories": list(cats)}
