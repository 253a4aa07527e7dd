"""The monthly report: the dashboard's KPIs and charts for one month, as PDF and Excel.

``generate_and_record`` is the on-demand path (console button, API, CLI);
``scheduled_report`` is what a scheduler thread calls (it makes last month's report
once: calling it again the same month does nothing).
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.database import unit_of_work
from central.workflow.config import WorkflowConfig

from . import charts, kpis
from .filters import Filters
from .models import ReportRow
from .report_pdf import write_pdf
from .report_xlsx import write_xlsx
from .service import tags_from_steps

REPORT_CHARTS = (
    "receptions_time",
    "matters_time",
    "receptions_township",
    "receptions_category",
    "matters_category",
    "matters_organ",
    "satisfaction",
    "repeat_distribution",
    "clocks",
)


@dataclass(frozen=True, slots=True)
class ReportData:
    month: str
    site: str
    generated_at: datetime
    kpis: kpis.Kpis
    charts: list[charts.ChartPublic]


def month_filters(month: str) -> Filters:
    try:
        y, m = (int(x) for x in month.split("-"))
        first = date(y, m, 1)
    except ValueError as e:
        raise ValueError(f"月份格式应为 YYYY-MM：{month!r}") from e
    return Filters(start=first, end=date(y, m, calendar.monthrange(y, m)[1]))


def previous_month(today: date) -> str:
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{y:04d}-{m:02d}"


def collect(
    session: Session, *, month: str, config: WorkflowConfig, now: datetime, site: str = ""
) -> ReportData:
    f = month_filters(month)
    tz = config.rules.tz
    ctx = charts.Ctx(session=session, f=f, tz=tz, config=config, now=now)
    return ReportData(
        month=month,
        site=site,
        generated_at=now,
        kpis=kpis.kpis(session, f=f, tz=tz, config=config),
        charts=[charts.build(name, ctx) for name in REPORT_CHARTS],
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_files(data: ReportData, out_dir: Path, *, tz_name: str) -> tuple[Path, Path]:

    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = data.generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    pdf = out_dir / f"zhifang-{data.month}-{stamp}.pdf"
    xlsx = out_dir / f"zhifang-{data.month}-{stamp}.xlsx"
    write_pdf(data, pdf, tz_name=tz_name)
    write_xlsx(data, xlsx, tz_name=tz_name)
    return pdf, xlsx


def generate_and_record(
    session: Session,
    *,
    month: str,
    out_dir: Path,
    config: WorkflowConfig,
    now: datetime,
    trigger: str,
    actor: str,
) -> ReportRow:
    """Build both files under ``out_dir/<month>/`` and record them; the caller commits."""

    tags_from_steps(session, now=now)
    data = collect(session, month=month, config=config, now=now)
    pdf, xlsx = write_files(data, out_dir / month, tz_name=config.rules.timezone)
    row = ReportRow(
        month=month,
        trigger=trigger,
        requested_by=actor,
        pdf_path=str(pdf),
        pdf_sha256=_sha256(pdf),
        xlsx_path=str(xlsx),
        xlsx_sha256=_sha256(xlsx),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def make_report(
    session: Session, *, month: str, out_dir: Path, config: WorkflowConfig, now: datetime,
    actor: str,
) -> ReportRow:  # fmt: skip
    """A report asked for by hand (``generate_and_record``, trigger ``manual``),
    committed; ``ValueError`` for a month it cannot read."""
    with unit_of_work(session):
        return generate_and_record(
            session, month=month, out_dir=out_dir, config=config, now=now, trigger="manual",
            actor=actor,
        )  # fmt: skip


def scheduled_report(
    sessions: sessionmaker[Session], *, out_dir: Path, config: WorkflowConfig, now: datetime
) -> ReportRow | None:
    """Last month's report, once (a scheduler may call this daily). None: already made."""
    month = previous_month(now.astimezone(config.rules.tz).date())
    with sessions() as session:
        done = session.scalar(
            select(ReportRow.id).where(ReportRow.month == month, ReportRow.trigger == "schedule")
        )
        if done is not None:
            return None
        row = generate_and_record(
            session,
            month=month,
            out_dir=out_dir,
            config=config,
            now=now,
            trigger="schedule",
            actor="scheduler",
        )
        session.commit()
        return row
