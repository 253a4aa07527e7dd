"""Alerts: overdue clocks reach the officer (console + MQTT command to the box) and
their leader, once; a failed send is retried; the console streams them (SSE)."""

from __future__ import annotations

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.alerts import service as alerts
from central.alerts.models import AlertRow
from central.alerts.scanner import scan_once, start_alert_scanner
from central.publisher import RecordingPublisher
from central.workflow import service as wf
from central.workflow.models import MatterRow
from central.workflow.states import Action, Command
from protocol import topics
from protocol.messages import Command as WireCommand
from tests.central.accounts.helpers import add_user, login
from tests.central.dossier.helpers import T0, add_device


def _overdue_matter(sessions: sessionmaker[Session]) -> str:
    with sessions() as s:
        m = wf.open_matter(
            s,
            command=Command(action=Action.register, actor="zhang", at=T0, reason="登记"),
            officer_id="zhang",
            summary="拖欠工资",
        )
    return m.id


class Failing:
    def publish(self, topic: str, payload: bytes) -> None:
        raise ConnectionError("broker down")


def test_overdue_alerts_reach_officer_box_and_leader_once(sessions) -> None:
    add_device(sessions, "desk-1", "minhou")
    add_user(sessions, "lin", "leader", on_duty=True)
    add_user(sessions, "zhang", "officer", leader="lin", device="desk-1")
    mid = _overdue_matter(sessions)
    now = T0 + timedelta(days=12)
    pub = RecordingPublisher()
    with sessions() as s:
        fresh = alerts.scan(s, now=now, publisher=pub)
    got = {(a.recipient, a.recipient_role, a.kind) for a in fresh}
    assert {("zhang", "officer", "overdue"), ("lin", "leader", "overdue")} <= got
    assert ("lin", "leader", "due_soon") not in got  # due soon: the officer only
    n = sum(a.recipient == "zhang" for a in fresh)
    assert len(pub.sent) == n  # the officer's box; the leader sees it in the console
    topic, payload = next(x for x in pub.sent if b"\xe8\xb6\x85\xe6\x9c\x9f" in x[1])
    assert topic == topics.command_topic("minhou", "desk-1", "alert")
    cmd = WireCommand.model_validate_json(payload)
    assert cmd.body["matter_id"] == mid and "超期" in cmd.body["message"]
    with sessions() as s:
        assert alerts.scan(s, now=now, publisher=pub) == []  # sent once
        assert s.get(MatterRow, mid).risk_level in ("medium", "high")  # type: ignore[union-attr]
    assert len(pub.sent) == n


def test_a_failed_send_is_kept_and_retried(sessions) -> None:
    add_device(sessions, "desk-1", "minhou")
    add_user(sessions, "zhang", "officer", device="desk-1")
    _overdue_matter(sessions)
    now = T0 + timedelta(days=5)  # due soon
    with sessions() as s:
        fresh = alerts.scan(s, now=now, publisher=Failing())
        assert [a.kind for a in fresh] == ["due_soon"]
    with sessions() as s:
        row = s.scalars(select(AlertRow)).one()
        assert row.sent_at is None and "broker down" in (row.send_error or "")
    pub = RecordingPublisher()
    with sessions() as s:
        assert alerts.send_pending(s, publisher=pub, now=now) == 1
    assert len(pub.sent) == 1


def test_scanner_thread_and_cli_pass(sessions, app) -> None:
    import threading

    _overdue_matter(sessions)
    add_user(sessions, "zhang", "officer")
    assert scan_once(app.state) >= 1
    stop = threading.Event()
    t = start_alert_scanner(app.state, stop, interval_s=0.05)
    stop.set()
    t.join(timeout=5)
    assert not t.is_alive()


def test_console_lists_and_streams_alerts(client: TestClient, sessions) -> None:
    add_user(sessions, "lin", "leader", on_duty=True)
    add_user(sessions, "zhang", "officer", leader="lin")
    _overdue_matter(sessions)
    with sessions() as s:
        alerts.scan(s, now=T0 + timedelta(days=12))
    login(client, "lin")
    page = client.get("/console/alerts")
    assert page.status_code == 200 and "已超期" in page.text
    with client.stream("GET", "/console/alerts/stream", params={"once": 1}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert (
        events
        and events[0]["level"] == "danger"
        and events[0]["href"].startswith("/console/matters/")
    )
