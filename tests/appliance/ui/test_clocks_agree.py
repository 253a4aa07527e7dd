"""The deadlines the desk shows are the ones central computes: same names, same dates,
on Beijing time whatever the box's own clock zone is."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from appliance.ui.clocks import deadlines
from appliance.ui.config import UiConfig
from central.workflow.calendar import SAMPLE_CN_2026, load_calendar
from central.workflow.clocks import ClockKind, clocks
from central.workflow.machine import register
from central.workflow.rules import DEFAULT_RULES
from central.workflow.states import Action, Command
from protocol.deadlines import CLOCK_NAMES

CN = load_calendar(SAMPLE_CN_2026)
STARTING_AT_REGISTRATION = ("procedural_reply", "acceptance_decision", "result_reply")


@pytest.fixture(params=["UTC", "America/Los_Angeles", "Asia/Shanghai"])
def box_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """The box's own clock zone (TZ), which must not move a deadline."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def central_due(at: datetime) -> dict[str, tuple[str, object]]:
    m = register("m-1", Command(action=Action.register, actor="officer-7", at=at))
    out = clocks(m, DEFAULT_RULES, CN, now=at)
    return {c.kind.value: (c.label, c.due_on) for c in out}


def test_every_registration_time_of_2026_gives_central_dates(box_zone: str) -> None:
    # every 5 h 17 min through the year: every hour of the day, weekends, 国庆, 春节
    at = datetime(2026, 1, 1, tzinfo=UTC)
    checked = 0
    while at.year == 2026:
        ms = int(at.timestamp() * 1000)
        box = {d.kind: (d.label, d.due) for d in deadlines(UiConfig(), ms)}
        want = central_due(at)
        for kind in STARTING_AT_REGISTRATION:
            assert box[kind] == want[kind], (box_zone, at.isoformat(), kind)
        checked += 1
        at += timedelta(hours=5, minutes=17)
    assert checked > 1600


def test_late_evening_utc_is_the_next_beijing_day(box_zone: str) -> None:
    # 2026-09-30 17:30 UTC is 1 October 01:30 in Beijing: the clock starts on the 1st,
    # and 7 days later is inside 国庆, so it rolls to the first working day after it
    at = datetime(2026, 9, 30, 17, 30, tzinfo=UTC)
    reply = deadlines(UiConfig(), int(at.timestamp() * 1000))[0]
    assert reply.label == "程序性回复" == CLOCK_NAMES["procedural_reply"]
    assert reply.due == central_due(at)["procedural_reply"][1]
    assert reply.due is not None and CN.is_working_day(reply.due) and reply.due.month == 10


def test_one_set_of_names() -> None:
    assert {k.value for k in ClockKind} <= set(CLOCK_NAMES)
    rules = DEFAULT_RULES.model_dump()
    for kind, name in CLOCK_NAMES.items():
        assert rules[kind]["label"] == name
