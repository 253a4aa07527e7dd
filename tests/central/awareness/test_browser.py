"""The dashboard in a real browser (Debian chromium + Playwright).

It loads, every chart draws on a non-blank canvas, a filter changes the numbers, and a
click on a bar lands on the list behind it with the same filters. Screenshots land in
``$ZHIFANG_AWARENESS_SHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.database import engine_for_url, make_session_factory, migrate
from tests.auth import add_user, production_settings
from tests.browser import browser_login, serve
from tests.central.awareness.conftest import make_app
from tests.central.awareness.seed import seed

Q = "start=2026-11-01&end=2026-11-30"

pytestmark = pytest.mark.browser

# How many distinct colours the chart's canvas holds: a blank canvas has one.
CANVAS_COLOURS = """(el) => {
  const c = el.querySelector('canvas');
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length; i += 4 * 97) {
    seen.add(d[i] + ',' + d[i + 1] + ',' + d[i + 2] + ',' + d[i + 3]);
  }
  return seen.size;
}"""

# The page position of bar ``index`` of a horizontal bar chart (ECharts' own geometry).
BAR_XY = """([el, index, value]) => {
  const chart = echarts.getInstanceByDom(el.querySelector('.plot'));
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, index]);
  const r = el.querySelector('.plot').getBoundingClientRect();
  return [r.left + x, r.top + y];
}"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    engine = engine_for_url(url)
    migrate(engine)
    sessions: sessionmaker[Session] = make_session_factory(engine)
    seed(sessions)
    add_user(sessions, "lin", "leader", org="*")
    settings = production_settings(database_url=url, data_dir=tmp_path)
    with serve(make_app(settings, engine)) as base:
        yield base
    engine.dispose()


def _wait_charts(page: Any) -> list[Any]:
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.ready)"
    )
    return list(page.query_selector_all("[data-chart]"))


def test_dashboard_charts_filter_and_drill_down(browser: Any, site: str, tmp_path: Path) -> None:
    shots = Path(os.environ.get("ZHIFANG_AWARENESS_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, site, "lin")
    page.goto(f"{site}/console/awareness/?{Q}")
    charts = _wait_charts(page)
    assert len(charts) >= 10
    states = {c.get_attribute("data-chart"): c.get_attribute("data-ready") for c in charts}
    assert "error" not in states.values(), states
    drawn = [c for c in charts if c.get_attribute("data-ready") == "yes"]
    assert len(drawn) >= 8, states
    for c in drawn:
        assert c.evaluate(CANVAS_COLOURS) > 2, c.get_attribute("data-chart")
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    assert page.inner_text("#kpis .aw-kpi b >> nth=0") == "8"
    town = page.query_selector("#chart-receptions_township")
    assert town is not None and town.get_attribute("data-total") == "8"

    # a filter changes the data: 乙镇 only
    page.select_option("#f-township", "乙镇")
    page.click("#f-apply")
    page.wait_for_url("**township=*")
    _wait_charts(page)
    assert page.inner_text("#kpis .aw-kpi b >> nth=0") == "2"
    town = page.query_selector("#chart-receptions_township")
    assert town is not None and town.get_attribute("data-total") == "2"
    page.screenshot(path=str(shots / "dashboard-filtered.png"), full_page=True)

    # drill down: back to all townships, click the 甲镇 bar (the first, 5 receptions)
    page.goto(f"{site}/console/awareness/?{Q}")
    _wait_charts(page)
    town = page.query_selector("#chart-receptions_township")
    town.scroll_into_view_if_needed()
    x, y = page.evaluate(BAR_XY, [town, 0, 5])
    page.mouse.click(x, y)
    page.wait_for_url("**/console/awareness/receptions?*")
    assert "township=%E7%94%B2%E9%95%87" in page.url and "start=2026-11-01" in page.url
    assert page.inner_text("#list-total") == "5"
    assert page.locator("#list tbody tr").count() == 5
    page.screenshot(path=str(shots / "drill-list.png"), full_page=True)

    # from the list to the person's profile (人员画像)
    page.click("#list tbody tr >> nth=0 >> a")
    page.wait_for_url("**/console/awareness/persons/*")
    assert "人员画像：张三" in page.inner_text("h1")
    assert "扬言过激" in page.inner_text("#risk-reasons")
    visits = page.query_selector("#person-visits")
    assert visits is not None and visits.evaluate(CANVAS_COLOURS) > 2
    page.screenshot(path=str(shots / "profile.png"), full_page=True)
    assert errors == []
