"""Properties of the clock arithmetic over random starts, limits and pauses."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from central.workflow.calendar import SAMPLE_CN_2026, load_calendar
from central.workflow.rules import ClockRule, Unit
from protocol.deadlines import add_months, due_date

CN = load_calendar(SAMPLE_CN_2026)
starts = st.dates(min_value=date(2025, 12, 1), max_value=date(2028, 12, 31))
skips = st.frozensets(
    st.dates(min_value=date(2025, 12, 1), max_value=date(2029, 6, 30)), max_size=30
)
limits = st.integers(min_value=1, max_value=90)
FAST = settings(max_examples=200, deadline=None)


@FAST
@given(start=starts, n=limits, skip=skips)
def test_working_day_clock_counts_exactly_n_working_days(start, n, skip):
    due = due_date(start, ClockRule(limit=n, unit=Unit.working_days), CN, skip=skip)
    assert CN.is_working_day(due) and due not in skip
    counted = [
        start + timedelta(days=i)
        for i in range(1, (due - start).days + 1)
        if CN.is_working_day(start + timedelta(days=i)) and start + timedelta(days=i) not in skip
    ]
    assert len(counted) == n


@FAST
@given(start=starts, n=limits, skip=skips, roll=st.booleans())
def test_calendar_day_clock(start, n, skip, roll):
    rule = ClockRule(limit=n, unit=Unit.calendar_days, roll_to_working_day=roll)
    due = due_date(start, rule, CN, skip=skip)
    inside = sum(1 for d in skip if start < d <= due)
    if roll:
        assert CN.is_working_day(due)
        assert due >= start + timedelta(days=n + inside)
    else:
        assert due == start + timedelta(days=n + sum(1 for d in skip if start < d <= due))


@FAST
@given(start=starts, n=limits, skip=skips, more=skips, unit=st.sampled_from(list(Unit)))
def test_more_pause_or_a_longer_limit_never_brings_the_due_date_forward(start, n, skip, more, unit):
    n = min(n, 24) if unit is Unit.months else n
    rule = ClockRule(limit=n, unit=unit)
    longer = ClockRule(limit=n + 1, unit=unit)
    due = due_date(start, rule, CN, skip=skip)
    assert due_date(start, rule, CN, skip=skip | more) >= due
    assert due_date(start, longer, CN, skip=skip) >= due
    assert due > start


@FAST
@given(d=starts, n=st.integers(min_value=0, max_value=48))
def test_add_months_lands_in_the_right_month_clamped(d, n):
    r = add_months(d, n)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == n
    assert r.day == d.day or (r.day < d.day and (r + timedelta(days=1)).day == 1)
