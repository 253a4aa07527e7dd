"""Dashboard numbers on a known data set (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.awareness import charts, kpis, lists, queries
from central.awareness.filters import Filters
from tests.central.awareness.seed import CFG, NOW, SH, Seeded

NOV = Filters(start=date(2026, 11, 1), end=date(2026, 11, 30))


def ctx(s: Session, f: Filters = NOV) -> charts.Ctx:
    return charts.Ctx(session=s, f=f, tz=SH, config=CFG, now=NOW)


def test_receptions_by_local_day_and_township(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        t = queries.receptions_over_time(s, f=NOV, tz=SH)
        assert len(t.labels) == 30 and sum(t.values) == 8
        by_day = dict(zip(t.labels, t.values, strict=True))
        assert by_day["2026-11-05"] == 2 and by_day["2026-11-06"] == 0  # 23:00 stays on the 5th
        town = queries.receptions_by(s, f=NOV, tz=SH, dim="township")
        assert dict(zip(town.keys, town.values, strict=True)) == {"甲镇": 5, "乙镇": 2, "丙街道": 1}
        assert town.keys[0] == "甲镇"  # most first


def test_category_filter_and_dimensions(sessions: sessionmaker[Session], seeded: Seeded):
    land = NOV.model_copy(update={"category": "土地征收"})
    with sessions() as s:
        assert sum(queries.receptions_over_time(s, f=land, tz=SH).values) == 2
        cats = queries.matters_by(s, f=NOV, tz=SH, dim="category")
        assert dict(zip(cats.keys, cats.values, strict=True)) == {"土地征收": 2, "劳动社保": 1}
        organs = queries.matters_by(s, f=land, tz=SH, dim="organ")
        assert sorted(organs.keys) == ["某县人民法院", "某县自然资源局"]
        rating = queries.satisfaction(s, f=NOV, tz=SH)
        got = dict(zip(rating.keys, rating.values, strict=True))
        assert got == {"satisfied": 2, "dissatisfied": 2, "basically_satisfied": 1, "__none__": 3}


def test_repeat_petitioners(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        dist = queries.repeat_distribution(s, f=NOV, tz=SH)
        assert dist.values == [3, 1, 1, 0, 0]  # 王五 赵六 群众0 once, 李四 twice, 张三 3 times
        top = queries.repeat_petitioners(s, f=NOV, tz=SH)
        assert top.keys[0] == seeded.persons["张三"] and top.values[0] == 3


def test_kpis(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        k = kpis.kpis(s, f=NOV, tz=SH, config=CFG)
    assert (k.receptions, k.persons) == (8, 5)
    assert (k.leader_batches, k.leader_persons) == (1, 3)
    assert (k.matters_registered, k.matters_closed, k.matters_archived) == (3, 1, 1)
    assert (k.decided, k.decided_within_1_day, k.decided_on_time) == (1, 1, 1)
    assert k.reply_1d_rate == k.on_time_rate == pytest.approx(1 / 3)
    assert k.avg_days_to_completion == pytest.approx(3.2, abs=0.05)  # 2nd 10:00 → 5th 15:00
    assert k.satisfaction_rate == pytest.approx(3 / 5)


def test_every_chart_builds_and_links_to_a_list(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        for name in charts.CHARTS:
            c = charts.build(name, ctx(s))
            assert c.title and len(c.labels) == len(c.keys)
            for series in c.series:
                assert len(series.data) == len(series.links) == len(c.labels)
                assert all(link.startswith("/console/awareness/") for link in series.links)


def test_drill_down_list_matches_the_bar(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        town = charts.build("receptions_township", ctx(s))
        i = town.keys.index("甲镇")
        assert "township=%E7%94%B2%E9%95%87" in town.series[0].links[i]
        page = lists.reception_list(
            s, f=NOV.model_copy(update={"township": "甲镇"}), tz=SH, dims={}
        )
        assert page.total == town.series[0].data[i] == 5
        day = charts.build("receptions_time", ctx(s))
        j = day.keys.index("2026-11-05")
        assert "start=2026-11-05&end=2026-11-05" in day.series[0].links[j]
        repeat = lists.reception_list(s, f=NOV, tz=SH, dims={}, visits=3)
        assert repeat.total == 3 and {r.person_name for r in repeat.items} == {"张三"}


def test_bad_filters_are_refused():
    with pytest.raises(ValueError, match="早于"):
        Filters(start=date(2026, 11, 2), end=date(2026, 11, 1))
    with pytest.raises(ValueError, match="最长"):
        Filters(start=date(2020, 1, 1), end=date(2026, 1, 1))


def test_clock_scan_is_reused_until_a_matter_changes(
    sessions: sessionmaker[Session], seeded: Seeded
):
    from datetime import datetime

    from central.workflow import service as wf
    from central.workflow.states import Action, Command

    cache = kpis.ClockCache()
    with sessions() as s:
        first = cache.get(s, config=CFG, now=NOW)
        assert first and cache.get(s, config=CFG, now=NOW) is first
        mid = seeded.matters["劳资"]
        at = datetime(2026, 11, 30, 9, tzinfo=SH)
        cmd = Command(action=Action.notify, at=at, actor="officer-1", reason="告知")
        wf.apply_step(s, matter_id=mid, command=cmd, config=CFG, scope=SiteScope.everywhere("test"))
        again = cache.get(s, config=CFG, now=NOW)
        assert again is not first


def test_the_console_kpi_page_shows_the_one_implementations_figures(
    client: TestClient, sessions: sessionmaker[Session], seeded: Seeded
):
    """One implementation (``awareness.kpis``) serves the dashboard, its API, the reports
    and the console's KPI page (issue 14): on the same month the page shows its figures."""
    with sessions() as s:
        k = kpis.kpis(s, f=NOV, tz=SH, config=CFG)
    assert k.matters_registered and k.decided and k.rated and k.leader_batches  # not all 0
    page = client.get("/console/kpi", params={"since": "2026-11-01", "until": "2026-11-30"})
    good = k.satisfied + k.basically_satisfied
    for shown in (
        f'<div class="v">{k.receptions}</div><div class="l">接访量',
        f'<div class="v">{k.matters_registered}</div><div class="l">登记事项',
        f'<div class="v">{k.matters_closed}</div><div class="l">已办结',
        f'<div class="v">{k.avg_days_to_completion}</div><div class="l">平均办结天数',
        f"当日/次日程序性回复率（{k.decided_within_1_day}/{k.matters_registered}）",
        f"按期回复率（{k.decided_on_time}/{k.matters_registered}）",
        f'<div class="v">{round(100 * good / k.rated, 1)}%</div><div class="l">满意率',
        f"满意率（含基本满意，{good}/{k.rated}）",
        f"{k.leader_batches} / {k.leader_persons}",
    ):
        assert shown in page.text, shown
    assert client.get(f"/api/awareness/kpis?{NOV.query()}").json() == k.as_dict()
