"""A leader drafts, edits and sends a plan; organs report progress; the matter shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.plans.rules import DEFAULT_FILE, Facts, RulesError, fired, load
from central.settings import Settings
from central.workflow.models import MatterRow
from tests.auth import central_client
from tests.central.hearings.test_service import new_matter
from tests.central.sharing.test_sharing import hdr


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    return central_client(settings, engine)


def organs(c: TestClient) -> dict[str, str]:
    tokens = {}
    for oid, kind in (("police-a", "police"), ("town-b", "township"), ("xfj-c", "xfj")):
        c.post(
            "/api/sharing/organs",
            json={"id": oid, "name": oid, "kind": kind, "fields": ["summary"]},
        )
        tokens[oid] = c.post(f"/api/sharing/organs/{oid}/tokens", json={}).json()["token"]
    return tokens


def test_rules_fire_on_risk_keywords_and_organs() -> None:
    rules = load(DEFAULT_FILE)
    names = lambda f: [r.name for r in fired(rules, f)]  # noqa: E731
    assert names(Facts("邻里纠纷", "high", 0)) == ["high_risk"]
    assert names(Facts("征地补偿款未发放", None, 2)) == ["land", "multi_organ"]
    assert names(Facts("邻里纠纷", "low", 1)) == []


def test_a_bad_site_rules_file_is_named(tmp_path: Path) -> None:
    f = tmp_path / "plan_rules.toml"
    f.write_text('[[rule]]\nname = "x"\nlabel = "x"\nunknown = 1\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"plan_rules\.toml"):
        load(f)


def test_draft_edit_send_progress(client: TestClient, sessions: sessionmaker[Session]) -> None:
    c = client
    tokens = organs(c)
    new_matter(sessions, "m-low")
    new_matter(sessions, "m-high")
    with sessions.begin() as s:
        m = s.get_one(MatterRow, "m-high")
        m.summary, m.risk_level = "征地补偿款长期未发放，当事人情绪激动扬言过激行为", "high"
    assert c.post("/api/plans", json={"matter_id": "m-low"}).status_code == 422
    assert c.post("/api/plans", json={"matter_id": "nope"}).status_code == 404
    r = c.post("/api/plans", json={"matter_id": "m-high"}, headers={"X-Actor": "leader-1"})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    [plan] = c.get("/api/plans/by-matter/m-high").json()
    assert [x["name"] for x in plan["basis"]["rules"]] == ["high_risk", "land"]
    kinds = [t["organ_id"] for t in plan["tasks"]]
    assert {"police-a", "town-b", "xfj-c"} <= set(kinds)
    assert plan["status"] == "draft" and plan["progress"]["done"] == 0

    # organs see nothing while it is a draft
    assert c.get("/api/organ/tasks", headers=hdr(tokens["police-a"])).json() == []
    # the leader edits: drops one task, changes another; a stale version is refused
    tasks = [
        {k: t[k] for k in ("id", "organ_id", "organ_kind", "assignee", "description", "due_at")}
        for t in plan["tasks"]
    ]
    town = [i for i, t in enumerate(tasks) if t["organ_id"] == "town-b"]
    assert len(town) == 2
    del tasks[town[0]]
    police = next(t for t in tasks if t["organ_id"] == "police-a")
    police["assignee"] = "王所长"
    body = {"version": 1, "title": "某村征地补偿协同方案", "tasks": tasks}
    assert c.put(f"/api/plans/{pid}", json=body).json()["version"] == 2
    assert c.put(f"/api/plans/{pid}", json=body).status_code == 409
    # a task without an organ cannot be sent
    body2 = {
        "version": 2,
        "title": body["title"],
        "tasks": [
            *tasks,
            {"organ_kind": "other", "description": "待定单位任务", "due_at": tasks[0]["due_at"]},
        ],
    }
    assert c.put(f"/api/plans/{pid}", json=body2).status_code == 200
    sent = c.post(f"/api/plans/{pid}/send")
    assert sent.status_code == 422 and "待定单位任务" in sent.json()["detail"]
    body3 = {"version": 3, "title": body["title"], "tasks": tasks}
    c.put(f"/api/plans/{pid}", json=body3)
    assert c.post(f"/api/plans/{pid}/send").json()["status"] == "sent"

    # each organ gets its tasks through the sharing API and reports progress
    [plan] = c.get("/api/plans/by-matter/m-high").json()
    assert plan["tasks"][0]["assignee"] == "王所长" or any(
        t["assignee"] == "王所长" for t in plan["tasks"]
    )
    for oid, token in tokens.items():
        mine = c.get("/api/organ/tasks", headers=hdr(token, "查看协同任务")).json()
        assert all(t["organ_id"] == oid for t in mine)
        assert c.get("/api/organ/matters/m-high", headers=hdr(token)).status_code == 200  # shared
        for t in mine:
            r = c.post(
                f"/api/organ/tasks/{t['id']}/progress",
                headers=hdr(token, "报告进度"),
                json={"status": "done", "note": f"{oid} 已落实"},
            )
            assert r.status_code == 200
    police_task = c.get("/api/organ/tasks", headers=hdr(tokens["police-a"])).json()[0]["id"]
    other = c.post(
        f"/api/organ/tasks/{police_task}/progress",
        headers=hdr(tokens["town-b"]),
        json={"status": "open"},
    )
    assert other.status_code == 404  # not its task
    [plan] = c.get("/api/plans/by-matter/m-high").json()
    own = [t for t in plan["tasks"] if t["organ_id"] is None]
    for t in own:
        c.post(f"/api/plans/tasks/{t['id']}/progress", json={"status": "done", "note": "已接访"})
    [plan] = c.get("/api/plans/by-matter/m-high").json()
    assert plan["progress"]["done"] == plan["progress"]["total"] and plan["status"] == "done"
    html = c.get("/console/plans/panel", params={"matter_id": "m-high"}).text
    assert "某村征地补偿协同方案" in html and "已完成" in html and "police-a 已落实" in html
    trail = c.get("/api/sharing/audit", params={"organ": "police-a"}).json()
    assert any(a["purpose"] == "报告进度" for a in trail)


def test_only_leaders_draft_edit_and_send_plans_over_the_api(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """The JSON routes gate roles as the console forms do: an officer or auditor with a
    valid session and CSRF token is refused; our own task progress is any worker's."""
    from central.app import create_app
    from tests.central.accounts.helpers import add_user, login

    app = create_app(settings, engine=engine)
    mid = new_matter(sessions, "m-plan-roles")
    for name, role in (("off", "officer"), ("aud", "auditor"), ("lead", "leader")):
        add_user(sessions, name, role)
    with TestClient(app) as c:
        for user in ("off", "aud"):
            c.cookies.clear()
            h = {"X-CSRF-Token": login(c, user)}
            r = c.post("/api/plans", json={"matter_id": mid, "force": True}, headers=h)
            assert r.status_code == 403, (user, r.text)
        c.cookies.clear()
        h = {"X-CSRF-Token": login(c, "lead")}
        r = c.post("/api/plans", json={"matter_id": mid, "force": True}, headers=h)
        assert r.status_code == 201, r.text
