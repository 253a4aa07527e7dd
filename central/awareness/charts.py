"""Each dashboard chart: its title, its kind, its data, and where each bar leads.

``build(name, ...)`` is what the API, the console and the reports use, so a chart in
the monthly report is the same numbers as on screen. Every data point carries the URL
of the list behind it (same filters plus the clicked key).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from central import labels
from central.accounts.models import Account
from central.workflow.config import WorkflowConfig
from central.workflow.states import STATUS_ZH, Status

from . import kpis, queries
from .filters import Filters
from .queries import NONE_KEY, Series

RECEPTIONS = "/console/awareness/receptions"
MATTERS = "/console/awareness/matters"
RATING_COLOUR = {
    "satisfied": "#3a9e6f",
    "basically_satisfied": "#2f6fb0",
    "dissatisfied": "#c2413b",
    NONE_KEY: "#b0b7c3",
}
RATING_ZH = labels.RATING_ZH
KIND_ZH = labels.KIND_ZH


class SeriesPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="legend name")
    data: list[int] = Field(description="one value per label")
    links: list[str] = Field(description="the list behind each value (drill-down)")


class ChartPublic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="chart id")
    title: str = Field(description="zh-CN title")
    kind: Literal["line", "bar", "hbar", "pie", "stack"] = Field(description="how to draw it")
    labels: list[str] = Field(description="category axis / slice names")
    keys: list[str] = Field(description="the value each label stands for (drill key)")
    series: list[SeriesPublic]
    colors: list[str] | None = Field(default=None, description="fixed colour per label")


@dataclass(frozen=True, slots=True)
class Ctx:
    session: Session
    f: Filters
    tz: ZoneInfo
    config: WorkflowConfig
    now: datetime
    clock_cache: kpis.ClockCache | None = None


def _period_link(base: str, f: Filters, key: str) -> str:
    """A time bucket → the same filters narrowed to that day or month."""
    if len(key) == 10:
        lo = hi = date.fromisoformat(key)
    else:
        y, m = (int(x) for x in key.split("-"))
        lo, hi = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
    narrowed = f.model_copy(update={"start": max(lo, f.start), "end": min(hi, f.end)})
    return f"{base}?{narrowed.query()}"


def _dim_links(base: str, f: Filters, dim: str, s: Series) -> list[str]:
    return [f"{base}?{f.query(**{dim: k})}" for k in s.keys]


def _zh(s: Series, names: Mapping[str, str]) -> Series:
    shown = [
        names.get(k, lab) if k != NONE_KEY else "未评价"
        for k, lab in zip(s.keys, s.labels, strict=True)
    ]
    return Series(shown, s.keys, s.values, s.extra)


def _single(
    name: str, title: str, kind: str, s: Series, unit: str, links: list[str], **kw: Any
) -> ChartPublic:
    """A chart of one series."""
    return ChartPublic(
        name=name,
        title=title,
        kind=kind,
        labels=s.labels,
        keys=s.keys,
        series=[SeriesPublic(name=unit, data=s.values, links=links)],
        **kw,
    )


def _time(c: Ctx, matters: bool) -> ChartPublic:
    if matters:
        s = queries.matters_over_time(c.session, f=c.f, tz=c.tz)
        base, title = MATTERS, "事项登记与办结（按登记时间）"
    else:
        s = queries.receptions_over_time(c.session, f=c.f, tz=c.tz)
        base, title = RECEPTIONS, "接访人次趋势"
    links = [_period_link(base, c.f, k) for k in s.keys]
    series = [SeriesPublic(name="登记事项" if matters else "接访人次", data=s.values, links=links)]
    if matters:
        done = [
            f"{_period_link(base, c.f, k)}&status=archived" for k in s.keys
        ]  # fmt: skip
        series.append(SeriesPublic(name="其中已归档", data=s.extra["archived"], links=done))
    return ChartPublic(
        name="matters_time" if matters else "receptions_time",
        title=title,
        kind="line",
        labels=s.labels,
        keys=s.keys,
        series=series,
    )


def _by(c: Ctx, of: str, dim: str, title: str) -> ChartPublic:
    if of == "receptions":
        s = queries.receptions_by(c.session, f=c.f, tz=c.tz, dim=dim)  # type: ignore[arg-type]
        base, unit = RECEPTIONS, "接访人次"
    else:
        s = queries.matters_by(c.session, f=c.f, tz=c.tz, dim=dim)  # type: ignore[arg-type]
        base, unit = MATTERS, "事项数"
    if dim == "status":
        s = _zh(s, {st.value: STATUS_ZH[st] for st in Status})
    if dim == "kind":
        s = _zh(s, KIND_ZH)
    if dim == "officer":  # people by name on the axis, not by login id
        s = _zh(s, _officer_names(c))
    if dim in ("category", "organ"):
        s = Series(
            [lab if k != NONE_KEY else "未分类" for k, lab in zip(s.keys, s.labels, strict=True)],
            s.keys,
            s.values,
        )
    kind = "hbar" if dim in ("township", "officer", "organ") else "bar"
    return _single(f"{of}_{dim}", title, kind, s, unit, _dim_links(base, c.f, dim, s))


def _officer_names(c: Ctx) -> dict[str, str]:
    from sqlalchemy import select

    rows = c.session.execute(select(Account.username, Account.display_name)).all()
    return {u: n for u, n in rows}


def _satisfaction(c: Ctx) -> ChartPublic:
    s = _zh(queries.satisfaction(c.session, f=c.f, tz=c.tz), RATING_ZH)
    links = _dim_links(RECEPTIONS, c.f, "rating", s)
    colors = [RATING_COLOUR.get(k, "#9a7b4f") for k in s.keys]
    return _single("satisfaction", "满意度评价", "pie", s, "评价", links, colors=colors)


def _repeat_distribution(c: Ctx) -> ChartPublic:
    s = queries.repeat_distribution(c.session, f=c.f, tz=c.tz)
    links = [f"{RECEPTIONS}?{c.f.query(visits=k)}" for k in s.keys]
    return _single("repeat_distribution", "来访次数分布（人数）", "bar", s, "人数", links)


def _repeat_top(c: Ctx) -> ChartPublic:
    s = queries.repeat_petitioners(c.session, f=c.f, tz=c.tz)
    links = [f"/console/awareness/persons/{pid}" for pid in s.keys]
    return _single("repeat_top", "重复来访人员（前 20）", "hbar", s, "来访次数", links)


def _clocks(c: Ctx) -> ChartPublic:
    alerts = kpis.clock_alerts(
        c.session, f=c.f, tz=c.tz, config=c.config, now=c.now, cache=c.clock_cache
    )
    s = kpis.clock_summary(alerts, c.config)

    def links(state: str) -> list[str]:
        return [f"{MATTERS}?{c.f.query(clock=k, state=state)}" for k in s.keys]

    return ChartPublic(
        name="clocks",
        title="超期与临期事项（当前）",
        kind="stack",
        labels=s.labels,
        keys=s.keys,
        series=[
            SeriesPublic(name="已超期", data=s.values, links=links("overdue")),
            SeriesPublic(name="临期", data=s.extra["due_soon"], links=links("due_soon")),
        ],
    )


CHARTS: dict[str, Callable[[Ctx], ChartPublic]] = {
    "receptions_time": lambda c: _time(c, False),
    "matters_time": lambda c: _time(c, True),
    "receptions_township": lambda c: _by(c, "receptions", "township", "各乡镇（街道）接访人次"),
    "receptions_category": lambda c: _by(c, "receptions", "category", "各类别接访人次"),
    "receptions_officer": lambda c: _by(c, "receptions", "officer", "各接访人员接访人次"),
    "receptions_kind": lambda c: _by(c, "receptions", "kind", "接访方式"),
    "matters_township": lambda c: _by(c, "matters", "township", "各乡镇（街道）事项数"),
    "matters_category": lambda c: _by(c, "matters", "category", "各类别事项数"),
    "matters_organ": lambda c: _by(c, "matters", "organ", "各承办机关事项数"),
    "matters_officer": lambda c: _by(c, "matters", "officer", "各承办人事项数"),
    "matters_status": lambda c: _by(c, "matters", "status", "事项办理状态"),
    "repeat_distribution": _repeat_distribution,
    "repeat_top": _repeat_top,
    "satisfaction": _satisfaction,
    "clocks": _clocks,
}


def build(name: str, ctx: Ctx) -> ChartPublic:
    try:
        fn = CHARTS[name]
    except KeyError:
        raise KeyError(f"没有名为 {name} 的图表（可用：{', '.join(CHARTS)}）") from None
    return fn(ctx)
