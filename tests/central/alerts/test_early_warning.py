"""Each new early warning reaches the on-duty leaders once, as a console alert that
opens the warning's awareness page, live over the alert stream (SSE)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from central.accounts.models import Account
from central.alerts.models import AlertRow
from central.awareness import warnings
from central.awareness.models import AlertRow as EarlyWarning
from central.awareness.warnings import MATTER_WARNINGS
from tests.central.accounts.helpers import add_user, login
from tests.central.awareness.seed import CFG, NOW, Seeded, seed
from tests.central.awareness.test_warnings import _quiet_then_surge


@pytest.fixture
def site(sessions: sessionmaker[Session]) -> Seeded:
    """The awareness seed (a group matter of officer-1) plus a township surge today, and
    leaders: lin on duty and wang off duty in minhou, zhao on duty in gulou, chen (all
    orgs) off duty."""
    seeded = seed(sessions)
    with sessions() as s:
        _quiet_then_surge(s, "丁镇", per_day=2, today=15)
    add_user(sessions, "officer-1", "officer")
    add_user(sessions, "lin", "leader", on_duty=True)
    add_user(sessions, "wang", "leader")
    add_user(sessions, "zhao", "leader", org="gulou", on_duty=True)
    add_user(sessions, "chen", "leader", org="*")
    return seeded


def _run(sessions: sessionmaker[Session]) -> list[EarlyWarning]:
    with sessions() as s:
        raised = warnings.run_all(s, now=NOW, config=CFG)
        s.commit()
        return raised


def _told(sessions: sessionmaker[Session]) -> dict[tuple[int, str], list[AlertRow]]:
    """(warning id, recipient) → the leader alerts about it."""
    with sessions() as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.kind == "early_warning")).all()
    out: dict[tuple[int, str], list[AlertRow]] = {}
    for a in rows:
        _, wid, who = a.key.split(":")
        assert who == a.recipient
        out.setdefault((int(wid), who), []).append(a)
    return out


def test_each_new_warning_reaches_the_on_duty_leaders_once(
    sessions: sessionmaker[Session], site: Seeded
) -> None:
    raised = _run(sessions)
    assert {"group_matter", "surge_township"} <= {w.kind for w in raised}
    assert _run(sessions) == []  # the rules again: no new warning …
    told = _told(sessions)
    # … and one alert per leader per warning: a matter's to the on-duty leaders of its
    # officer's org (minhou), a township's to every org's
    expected = [(w.id, "lin") for w in raised]
    expected += [(w.id, "zhao") for w in raised if w.kind not in MATTER_WARNINGS]
    assert sorted(told) == sorted(expected)
    assert all(len(rows) == 1 for rows in told.values())

    group = next(w for w in raised if w.kind == "group_matter")
    a = told[(group.id, "lin")][0]
    assert (a.level, a.recipient_role, a.link) == ("danger", "leader", group.link)
    assert group.link.startswith("/console/awareness/matters?id=")
    assert a.matter_id == site.matters["群体"] and a.message.startswith("群体性事项：")
    surge = next(w for w in raised if w.kind == "surge_township")
    b = told[(surge.id, "zhao")][0]
    assert b.link == surge.link and surge.link.startswith("/console/awareness/receptions?")
    assert b.message.startswith("乡镇来访激增：") and "丁镇" in b.message


def test_no_leader_on_duty_means_every_leader(
    sessions: sessionmaker[Session], site: Seeded
) -> None:
    with sessions.begin() as s:
        s.execute(update(Account).values(on_duty=False))
    raised = _run(sessions)
    kind = {w.id: w.kind for w in raised}
    told = _told(sessions)
    assert {who for (w, who) in told if kind[w] == "group_matter"} == {"lin", "wang", "chen"}
    everyone = {"lin", "wang", "zhao", "chen"}
    assert {who for (w, who) in told if kind[w] == "surge_township"} == everyone


def test_a_matter_of_an_org_without_leaders_goes_to_every_org(
    sessions: sessionmaker[Session], site: Seeded
) -> None:
    with sessions.begin() as s:  # officer-1 moves to gulou2; chen serves gulou only
        s.execute(update(Account).where(Account.username == "officer-1").values(org="gulou2"))
        s.execute(update(Account).where(Account.username == "chen").values(org="gulou"))
    raised = _run(sessions)
    group = next(w for w in raised if w.kind == "group_matter")
    assert {who for (w, who) in _told(sessions) if w == group.id} == {"lin", "zhao"}


def test_the_leaders_stream_delivers_it(
    client: TestClient, sessions: sessionmaker[Session], site: Seeded
) -> None:
    raised = _run(sessions)
    group = next(w for w in raised if w.kind == "group_matter")
    login(client, "lin")
    with client.stream("GET", "/console/alerts/stream", params={"once": 1}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    mine = [e for e in events if e["kind"] == "early_warning"]
    assert len(mine) == len(raised)  # lin is on duty in minhou: told of every warning
    ev = next(e for e in mine if e["href"] == group.link)
    assert ev["level"] == "danger" and ev["message"].startswith("群体性事项：")
    page = client.get("/console/alerts")
    assert "态势预警" in page.text and f'href="{group.link.replace("&", "&amp;")}"' in page.text
