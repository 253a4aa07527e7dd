"""Early-warning rules on the database: each alert says why, links to data, is recorded once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.awareness import warnings
from central.awareness.models import AlertRow
from central.dossier.models import Person, Reception
from tests.central.awareness.seed import CFG, NOW, SH, Seeded


def _quiet_then_surge(s: Session, town: str, per_day: int, today: int) -> None:
    p = Person(name="丁某", township=town)
    s.add(p)
    s.flush()
    day = NOW.date() - timedelta(days=70)
    while day <= NOW.date():
        n = today if day == NOW.date() else (per_day if CFG.calendar.is_working_day(day) else 0)
        for i in range(n):
            at = datetime(day.year, day.month, day.day, 9, i % 60, tzinfo=SH)
            s.add(Reception(id=str(uuid.uuid4()), device="box-1", person_id=p.id, started_at=at))
        day += timedelta(days=1)
    s.commit()


def test_surge_alert_says_why_and_is_recorded_once(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        _quiet_then_surge(s, "丁镇", per_day=2, today=15)
        raised = warnings.run_all(s, now=NOW, config=CFG)
        s.commit()
        surge = [a for a in raised if a.kind == "surge_township"]
        assert [a.subject for a in surge] == ["丁镇"]
        a = surge[0]
        assert a.numbers["observed"] >= 15 and a.numbers["day"] == "2026-11-30"
        assert a.p_value is not None and a.p_value < 1e-3
        assert "丁镇" in a.message and "p =" in a.message and "应约" in a.message
        assert a.link.startswith("/console/awareness/receptions?") and "township=" in a.link
        # the quiet township with the same history but no surge raises nothing
        assert not [x for x in raised if x.subject in ("甲镇", "乙镇")]
        again = warnings.run_all(s, now=NOW, config=CFG)
        s.commit()
        assert [x for x in again if x.kind == "surge_township"] == []
        assert s.scalar(select(func.count()).select_from(AlertRow)) == len(raised)


def test_group_matter_and_return_after_archive(sessions: sessionmaker[Session], seeded: Seeded):
    with sessions() as s:
        raised = warnings.run_all(s, now=NOW, config=CFG)
        group = [a for a in raised if a.kind == "group_matter"]
        assert [a.subject for a in group] == [seeded.matters["群体"]]
        assert group[0].numbers == {"persons": 6, "threshold": 5}
        back = warnings.run_returned(
            s, since=NOW - timedelta(days=60), config=CFG, wcfg=warnings.WarningConfig(), now=NOW
        )
        assert len(back) == 2  # 张三 came on the 9th and the 16th after the 6th's archive
        assert {a.numbers["days_after"] for a in back} == {2, 9}
        assert all(a.link == f"/console/awareness/persons/{seeded.persons['张三']}" for a in back)
        s.commit()


def test_alerts_api_and_page(client: TestClient):
    run = client.post("/api/awareness/alerts/run")
    assert run.status_code == 200 and any(a["kind"] == "group_matter" for a in run.json())
    listed = client.get("/api/awareness/alerts").json()
    assert {a["id"] for a in listed} >= {a["id"] for a in run.json()}
    page = client.get("/console/awareness/alerts")
    assert "群体性事项" in page.text and "关联信访人 6 人" in page.text
