"""Early warning (预警): run the rules on the database and record what they raise.

Three rules, each alert saying why in numbers and linking to the data behind it:

* **surge** — receptions of a township or a category on a working day, judged against
  the series' own history by ``surge.SurgeRule`` (conditional Poisson test, stated
  false-alarm rate; see ``surge.py``). Non-working days' receptions count towards the
  next working day, so weekends do not drag the baseline down.
* **group matter** — an open matter with at least ``group_threshold`` related
  petitioners (``matter_person``).
* **returned after archive** — a petitioner of an archived matter comes back
  (a reception after the matter's 立卷归档).

Alerts are keyed (subject + day / matter + reception), so running the rules again,
from a scheduler or by hand, records nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.accounts.models import Account
from central.alerts.models import AlertRow as Alert
from central.alerts.rows import leaders_on_duty, new_rows
from central.database import unit_of_work
from central.dossier.models import Reception
from central.labels import WARNING_KIND_ZH
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow

from .filters import Filters, bucket_key
from .models import AlertRow
from .models import ReceptionFact as F
from .service import tags_from_steps
from .surge import SurgeRule, judge_day


@dataclass(frozen=True, slots=True)
class WarningConfig:
    surge: SurgeRule = field(default_factory=SurgeRule)
    group_threshold: int = 5
    returned_within_days: int = 365  # a return visit this long after archive still counts
    lookback_days: int = 7  # working days (re)checked on each run


def _working_days(cfg: WorkflowConfig, first: date, last: date) -> list[date]:
    days, d = [], first
    while d <= last:
        if cfg.calendar.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def daily_counts(
    session: Session, *, dim: str, first: date, last: date, config: WorkflowConfig
) -> tuple[list[date], dict[str, list[int]]]:
    """Per subject (township or category): receptions per working day in [first, last]."""
    tz = config.rules.tz
    f = Filters(start=first, end=last)
    lo, hi = f.utc_range(tz)
    day = bucket_key(session, F.started_at, "day", tz).label("d")
    col: Any = F.township if dim == "township" else F.category
    # one fact row per reception (weight = 1), or per (reception, category)
    stmt = select(col, day, func.count()).where(
        F.started_at >= lo, F.started_at < hi, col.is_not(None)
    )
    if dim == "township":
        stmt = stmt.where(F.weight == 1)
    days = _working_days(config, first, last)
    index = {d: i for i, d in enumerate(days)}
    out: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for subject, d_text, n in session.execute(stmt.group_by(col, day)):
        d = date.fromisoformat(d_text)
        while d not in index and d <= last:  # a non-working day counts towards the next
            d += timedelta(days=1)
        if d in index:
            out[str(subject)][index[d]] += int(n)
    return days, dict(out)


def _record(session: Session, row: AlertRow) -> bool:
    if session.scalar(select(AlertRow.id).where(AlertRow.key == row.key)) is not None:
        return False
    session.add(row)
    return True


def run_surge(
    session: Session, *, today: date, config: WorkflowConfig, wcfg: WarningConfig, now: datetime
) -> list[AlertRow]:
    rule = wcfg.surge
    # calendar days enough to hold the working days the rule needs, plus the lookback
    span = (rule.history_needed + wcfg.lookback_days) * 7 // 5 + 14
    first = today - timedelta(days=span)
    raised: list[AlertRow] = []
    for dim in ("township", "category"):
        days, series = daily_counts(session, dim=dim, first=first, last=today, config=config)
        for subject, counts in sorted(series.items()):
            for i in range(max(0, len(days) - wcfg.lookback_days), len(days)):
                hit = judge_day(counts, i, rule)
                if hit is None:
                    continue
                d = days[i]
                lo = days[i - hit.window + 1]
                what = "乡镇（街道）" if dim == "township" else "类别"
                row = AlertRow(
                    key=f"surge:{dim}:{subject}:{d.isoformat()}",
                    kind=f"surge_{dim}",
                    subject=subject,
                    level="high" if hit.p_value < rule.alpha / 100 else "medium",
                    message=(
                        f"{what}「{subject}」{lo.isoformat()} 至 {d.isoformat()} "
                        f"（{hit.window} 个工作日）来访 {hit.observed} 人次，"
                        f"按前 {rule.baseline_days} 个工作日（{hit.baseline} 人次）"
                        f"应约 {hit.expected:.1f} 人次；"
                        f"单侧检验 p = {hit.p_value:.2g} < α/{len(rule.windows)}"
                    ),
                    link="/console/awareness/receptions?"
                    + Filters(start=lo, end=d).query(**{dim: subject}),
                    numbers={
                        "window_days": hit.window,
                        "observed": hit.observed,
                        "expected": round(hit.expected, 2),
                        "baseline_days": rule.baseline_days,
                        "baseline_count": hit.baseline,
                        "alpha": rule.alpha,
                        "day": d.isoformat(),
                    },
                    p_value=hit.p_value,
                    raised_at=now,
                )
                if _record(session, row):
                    raised.append(row)
    return raised


def run_group(session: Session, *, wcfg: WarningConfig, now: datetime) -> list[AlertRow]:
    n = func.count(MatterPersonRow.person_id)
    stmt = (
        select(MatterRow.id, MatterRow.summary, n)
        .join(MatterPersonRow, MatterPersonRow.matter_id == MatterRow.id)
        .where(MatterRow.status != "archived")
        .group_by(MatterRow.id, MatterRow.summary)
        .having(n >= wcfg.group_threshold)
    )
    raised = []
    for mid, summary, count in session.execute(stmt):
        band = count // wcfg.group_threshold  # re-alert when the group grows by a band
        row = AlertRow(
            key=f"group:{mid}:{band}",
            kind="group_matter",
            subject=mid,
            level="high",
            message=f"事项「{summary[:40]}」关联信访人 {count} 人（≥{wcfg.group_threshold}）",
            link=f"/console/awareness/matters?id={mid}",
            numbers={"persons": int(count), "threshold": wcfg.group_threshold},
            p_value=None,
            raised_at=now,
        )
        if _record(session, row):
            raised.append(row)
    return raised


def run_returned(
    session: Session, *, since: datetime, config: WorkflowConfig, wcfg: WarningConfig,
    now: datetime,
) -> list[AlertRow]:  # fmt: skip
    """Receptions since ``since`` by a petitioner of a matter archived before them."""
    t, mp, r = TransitionRow, MatterPersonRow, Reception
    stmt = (
        select(t.matter_id, t.at, r.id, r.started_at, r.person_id)
        .join(mp, mp.matter_id == t.matter_id)
        .join(r, r.person_id == mp.person_id)
        .where(
            t.action == "archive",
            r.started_at >= since,
            r.started_at > t.at,
        )
    )
    tz = config.rules.tz
    raised = []
    for mid, archived, rid, started, pid in session.execute(stmt):
        if started is None:
            continue
        gap = (started - archived).days
        if gap > wcfg.returned_within_days:
            continue
        a_day = archived.astimezone(tz).date().isoformat()
        s_day = started.astimezone(tz).date().isoformat()
        row = AlertRow(
            key=f"returned:{mid}:{rid}",
            kind="returned_after_archive",
            subject=mid,
            level="medium",
            message=(
                f"事项 {mid[:8]} 已于 {a_day} 立卷归档，信访人于 {s_day} 再次来访（相隔 {gap} 天）"
            ),
            link=f"/console/awareness/persons/{pid}",
            numbers={"archived_on": a_day, "visited_on": s_day, "days_after": gap},
            p_value=None,
            raised_at=now,
        )
        if _record(session, row):
            raised.append(row)
    return raised


def run_all(
    session: Session,
    *,
    now: datetime,
    config: WorkflowConfig,
    wcfg: WarningConfig | None = None,
) -> list[AlertRow]:
    """Every rule once; the caller commits. Safe to call repeatedly (alerts are keyed)."""

    wcfg = wcfg or WarningConfig()
    tags_from_steps(session, now=now)
    today = now.astimezone(config.rules.tz).date()
    since = now - timedelta(days=wcfg.lookback_days * 7 // 5 + 3)
    out = run_surge(session, today=today, config=config, wcfg=wcfg, now=now)
    out += run_group(session, wcfg=wcfg, now=now)
    out += run_returned(session, since=since, config=config, wcfg=wcfg, now=now)
    session.flush()

    raise_early_warnings(session, out, now=now)  # tell the on-duty leaders, new ones only
    return out


def run_by_hand(session: Session, *, now: datetime, config: WorkflowConfig) -> list[AlertRow]:
    """``run_all`` when a leader asks for it (the scheduler runs it in its own
    transaction): the alerts it raised, committed."""
    with unit_of_work(session):
        return run_all(session, now=now, config=config)


def recent_alerts(session: Session, *, limit: int = 100, kind: str | None = None) -> list[AlertRow]:
    stmt = select(AlertRow).order_by(AlertRow.raised_at.desc(), AlertRow.id.desc()).limit(limit)
    if kind:
        stmt = stmt.where(AlertRow.kind == kind)
    return list(session.scalars(stmt))


# an early warning's level (awareness: low/medium/high) → an alert's
WARNING_LEVEL = {"low": "info", "medium": "warning", "high": "danger"}
# early warnings whose subject is a matter id (the others name a township or category)
MATTER_WARNINGS = frozenset({"group_matter", "returned_after_archive"})


def raise_early_warnings(
    session: Session, warnings: Iterable[AlertRow], *, now: datetime
) -> list[Alert]:
    """Tell the on-duty leaders of each newly recorded early warning (surge, group
    matter, return after archive); inside the caller's transaction.

    Pass the new warnings (their ids key the rows, so a warning passed again tells
    nobody twice). A warning about a matter goes to the leaders of the org of the
    matter's officer (to every org's if that org has no leader); a township's or
    category's to the leaders of every org (nothing maps townships or categories to
    orgs). The alert opens the warning's own page.
    """
    session.flush()  # the warnings' ids
    rows: list[Alert] = []
    for w in warnings:
        matter_id = w.subject if w.kind in MATTER_WARNINGS else None
        org = None
        if matter_id is not None:
            org = session.scalar(
                select(Account.org)
                .join(MatterRow, MatterRow.officer_id == Account.username)
                .where(MatterRow.id == matter_id)
            )
        rows += [
            Alert(
                key=f"early_warning:{w.id}:{name}"[:300],
                kind="early_warning",
                level=WARNING_LEVEL.get(w.level, "warning"),
                recipient=name,
                recipient_role="leader",
                matter_id=matter_id,
                message=f"{WARNING_KIND_ZH.get(w.kind, w.kind)}：{w.message}",
                link=w.link,
                created_at=now,
            )
            for name in leaders_on_duty(session, org) or leaders_on_duty(session, None)
        ]
    return new_rows(session, rows)
