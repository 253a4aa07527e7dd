"""``/api/matters`` over HTTP: 409 with the allowed next steps, 422 for missing details."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from central.api.workflow import get_now
from central.app import create_app
from central.dossier.models import Person
from central.settings import Settings
from central.workflow.models import TransitionRow
from tests.auth import staff_client


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing

    def advance(self, days: float) -> None:
        self.now += timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session], clock: Clock
) -> Iterator[TestClient]:
    app = create_app(settings, engine=engine)
    app.dependency_overrides[get_now] = lambda: clock.now
    with staff_client(app, sessions, "officer-7", "officer") as c:
        yield c


def _person(sessions: sessionmaker[Session], name: str) -> str:
    with sessions() as s:
        p = Person(name=name)
        s.add(p)
        s.commit()
        return p.id


def _new(client: TestClient, **extra: object) -> dict:
    r = client.post(
        "/api/matters", json={"summary": "拖欠工资", "officer_id": "officer-7", **extra}
    )
    assert r.status_code == 201, r.text
    return r.json()


def _step(client: TestClient, mid: str, action: str, **kw: object):
    return client.post(f"/api/matters/{mid}/steps", json={"action": action, **kw})


def test_register_shows_status_clocks_and_next_steps(client, sessions):
    pid = _person(sessions, "张伟")
    m = _new(client, person_ids=[pid], documents=["sha256:abc"])
    assert (m["status"], m["status_label"]) == ("registered", "已登记")
    assert m["persons"] == [[pid, "petitioner"]]
    assert [o["action"] for o in m["allowed"]] == ["notify", "supervise", "pause"]
    clocks = {c["kind"]: c for c in m["clocks"]}
    assert clocks["procedural_reply"]["due_on"] == "2026-03-09"
    assert m["history"][0]["actor"] == "officer-7" and m["history"][0]["label"] == "登记"
    assert client.get(f"/api/matters/{m['id']}").json()["id"] == m["id"]


def test_illegal_step_is_409_with_the_allowed_next_steps(client, sessions):
    m = _new(client)
    r = _step(client, m["id"], "reply", documents=["d1"])
    assert r.status_code == 409
    d = r.json()["detail"]
    assert d["code"] == "illegal_transition" and d["status"] == "registered"
    assert d["allowed"] == [
        {"action": "notify", "label": "告知"},
        {"action": "supervise", "label": "督办"},
        {"action": "pause", "label": "中止计时"},
    ]
    assert "可进行" in d["message"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TransitionRow)) == 1


def test_missing_detail_is_422_with_the_field(client):
    m = _new(client)
    assert _step(client, m["id"], "notify").status_code == 200
    r = _step(client, m["id"], "transfer")
    assert r.status_code == 422
    assert r.json()["detail"]["field"] == "target_organ"
    assert _step(client, m["id"], "frobnicate").status_code == 422
    assert _step(client, m["id"], "accept", colour="red").status_code == 422
    assert _step(client, m["id"], "register").status_code == 422


def test_review_after_the_window_is_409_window_closed(client, sessions, clock):
    m = _new(client)
    for a, kw in [("notify", {}), ("accept", {}), ("handle", {}), ("reply", {"documents": ["d"]})]:
        clock.advance(1)
        assert _step(client, m["id"], a, **kw).status_code == 200
    clock.advance(40)
    r = _step(client, m["id"], "review", reason="对答复不服")
    assert r.status_code == 409 and r.json()["detail"]["code"] == "window_closed"
    assert [o["action"] for o in r.json()["detail"]["allowed"]] == ["supervise", "archive"]
    done = _step(client, m["id"], "archive")
    assert done.status_code == 200 and done.json()["status"] == "archived"
    assert done.json()["allowed"] == []
    assert [h["action"] for h in done.json()["history"]][:2] == ["archive", "reply"]
    # nothing more is linked to an archived matter: 409 with its own code
    rid = _reception(sessions, "00000000-0000-0000-0000-0000000000ff")
    r = client.post(f"/api/matters/{m['id']}/visits", json={"reception_id": rid})
    assert r.status_code == 409 and r.json()["detail"]["code"] == "archived"
    assert "已归档" in r.json()["detail"]["message"]


def test_pause_extend_and_clock_view(client, clock):
    m = _new(client)
    for a in ("notify", "accept"):
        assert _step(client, m["id"], a).status_code == 200
    r = _step(client, m["id"], "pause", pause_kind="awaiting_materials", reason="补充合同原件")
    assert r.status_code == 200 and r.json()["paused"] and "计时中止" in r.json()["status_label"]
    clock.advance(10)
    assert _step(client, m["id"], "resume").status_code == 200
    r = _step(
        client,
        m["id"],
        "extend",
        extension_days=30,
        approved_by="leader-1",
        notice_document="延期告知书-1",
        reason="案情复杂",
    )
    assert r.status_code == 200
    h = {c["kind"]: c for c in r.json()["clocks"]}["handling"]
    assert (h["paused_days"], h["extension_days"]) == (10, 30)
    again = _step(
        client,
        m["id"],
        "extend",
        extension_days=5,
        approved_by="l",
        notice_document="n",
        reason="r",
    )
    assert again.status_code == 409 and "只能延期" in again.json()["detail"]["message"]


def test_unknown_matter_is_404(client):
    assert client.get("/api/matters/nope").status_code == 404
    assert _step(client, "nope", "notify").status_code == 404
    assert client.post("/api/matters/nope/visits", json={"reception_id": "r"}).status_code == 404
    m = _new(client)
    r = client.post(f"/api/matters/{m['id']}/visits", json={"reception_id": "r"})
    assert r.status_code == 422


def test_unknown_person_is_422_and_nothing_is_stored(client, sessions):
    r = client.post(
        "/api/matters", json={"summary": "x", "officer_id": "o", "person_ids": ["nobody"]}
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "reference_missing"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TransitionRow)) == 0


def _reception(sessions: sessionmaker[Session], rid: str, rating: str | None = None) -> str:
    from central.devices.models import Device
    from central.dossier.models import Reception

    with sessions() as s:
        if s.get(Device, "box-1") is None:
            s.add(Device(id="box-1", site="minhou", public_key="k" * 43 + "="))
            s.flush()
        s.add(Reception(id=rid, device="box-1", rating=rating))
        s.commit()
    return rid


def test_repeat_visits_link_to_the_open_matter_and_raise_its_risk(client, sessions, clock):
    pid = _person(sessions, "赵磊")
    first = _reception(sessions, "00000000-0000-0000-0000-00000000000a", rating="dissatisfied")
    m = _new(client, person_ids=[pid], reception_id=first)
    assert m["risk"]["level"] == "medium" and "不满意评价 1 次" in m["risk"]["reasons"]
    for n in "bc":
        rid = _reception(sessions, f"00000000-0000-0000-0000-00000000000{n}")
        clock.advance(1)
        r = client.post(f"/api/matters/{m['id']}/visits", json={"reception_id": rid})
        assert r.status_code == 204
    got = client.get(f"/api/matters/{m['id']}").json()
    assert got["visits"][0] == first and len(got["visits"]) == 3
    assert "同一事项未办结，已重复来访 2 次" in got["risk"]["reasons"]
    clock.advance(30)  # every acceptance clock is now overdue
    from central.alerts.service import scan

    with sessions() as s:  # the alert scan keeps an overdue matter's stored risk fresh
        scan(s)
    got = client.get(f"/api/matters/{m['id']}").json()
    assert any("超期" in r for r in got["risk"]["reasons"])
