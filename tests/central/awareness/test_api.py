"""The JSON API and console pages, as the console's browser uses them."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from tests.central.awareness.seed import Seeded

Q = "start=2026-11-01&end=2026-11-30"


def test_every_chart_endpoint(client: TestClient):
    names = client.get("/api/awareness/charts").json()
    assert "receptions_time" in names and "clocks" in names
    for name in names:
        r = client.get(f"/api/awareness/charts/{name}?{Q}")
        assert r.status_code == 200, (name, r.text)
        assert r.json()["series"]
    assert client.get(f"/api/awareness/charts/nope?{Q}").status_code == 404


def test_filters_change_the_data_and_bad_ones_are_refused(client: TestClient):
    all_ = client.get(f"/api/awareness/kpis?{Q}").json()
    town = client.get(f"/api/awareness/kpis?{Q}&township=乙镇").json()
    assert (all_["receptions"], town["receptions"]) == (8, 2)
    r = client.get("/api/awareness/kpis?start=2026-11-30&end=2026-11-01")
    assert r.status_code == 422 and "早于" in r.json()["detail"]
    assert client.get("/api/awareness/kpis?start=not-a-date").status_code == 422
    assert client.get(f"/api/awareness/receptions?{Q}&organ=x").status_code == 422


def test_lists_behind_the_charts(client: TestClient):
    r = client.get(f"/api/awareness/receptions?{Q}&rating=dissatisfied").json()
    assert r["total"] == 2
    m = client.get(f"/api/awareness/matters?{Q}&status=archived").json()
    assert m["total"] == 1 and m["items"][0]["category"] == "土地征收"


def test_profile_is_audited(client: TestClient, seeded: Seeded, sessions: sessionmaker[Session]):
    pid = seeded.persons["张三"]
    p = client.get(f"/api/awareness/persons/{pid}/profile").json()
    assert p["visits"] == 3 and p["risk_level"] == "high"
    assert any("扬言过激" in r for r in p["risk_reasons"])
    assert any("不满意评价 2 次" in r for r in p["risk_reasons"])
    assert any("归档后再次来访" in r for r in p["risk_reasons"])
    assert p["categories"] == {"土地征收": 1} and p["outcomes"] == {"archived": 1}
    with sessions() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "person.profile.read")).all()
        assert [(a.actor, a.target) for a in rows] == [("test-admin", f"person:{pid}")]
    assert client.get("/api/awareness/persons/nobody/profile").status_code == 404


def test_tagging_a_matter(client: TestClient, seeded: Seeded):
    mid = seeded.matters["劳资"]
    r = client.put(f"/api/awareness/matters/{mid}/tag", json={"category": "欠薪", "organ": None})
    assert r.status_code == 200 and r.json()["category"] == "欠薪"
    assert client.put("/api/awareness/matters/x/tag", json={"category": "a"}).status_code == 404
    bad = client.put(f"/api/awareness/matters/{mid}/tag", json={"category": "", "x": 1})
    assert bad.status_code == 422


def test_console_pages_render(client: TestClient, seeded: Seeded):
    home = client.get(f"/console/awareness/?{Q}")
    assert home.status_code == 200 and "信访态势感知" in home.text
    assert (
        'data-chart="receptions_time"' in home.text
        and "/console/static/vendor/echarts.min.js" in home.text
    )
    lst = client.get(f"/console/awareness/receptions?{Q}&township=甲镇")
    assert lst.status_code == 200 and 'id="list-total">5<' in lst.text
    mat = client.get(f"/console/awareness/matters?{Q}&category=土地征收")
    assert mat.status_code == 200 and 'id="list-total">2<' in mat.text
    pr = client.get(f"/console/awareness/persons/{seeded.persons['张三']}")
    assert pr.status_code == 200 and "人员画像" in pr.text
    assert client.get("/console/awareness/alerts").status_code == 200
    assert client.get("/console/awareness/reports").status_code == 200
    js = client.get("/console/static/vendor/echarts.min.js")
    assert js.status_code == 200 and len(js.content) > 500_000
    assert client.get("/console/static/awareness.js").status_code == 200


def test_matters_take_the_category_the_box_recorded(
    sessions: sessionmaker[Session], seeded: Seeded
):
    import uuid
    from datetime import datetime

    from central.awareness.models import MatterTagRow
    from central.awareness.service import tags_from_steps
    from central.dossier.models import ReceptionStep
    from central.workflow import service as wf
    from central.workflow.states import Action, Command
    from tests.central.awareness.seed import SH

    with sessions() as s:
        rid = seeded.receptions[3]  # 李四 on the 3rd: no matter yet
        at = datetime(2026, 11, 3, 9, 30, tzinfo=SH)
        s.add(
            ReceptionStep(
                reception_id=rid, event_id=str(uuid.uuid4()), step="register",
                officer_id="officer-2", at=at, fields={"category": "申诉", "request": "…"},
            )
        )  # fmt: skip
        s.commit()
        cmd = Command(action=Action.register, at=at, actor="officer-2", reason="登记")
        m = wf.open_matter(s, command=cmd, officer_id="officer-2", summary="申诉", reception_id=rid)
        assert tags_from_steps(s) == 1 and tags_from_steps(s) == 0
        s.commit()
        assert s.get(MatterTagRow, m.id).category == "申诉"  # type: ignore[union-attr]


def test_officers_tag_leaders_run_warnings_and_reports(client, sessions, seeded) -> None:
    from tests.central.accounts.helpers import add_user, login

    add_user(sessions, "off", "officer")
    add_user(sessions, "lead", "leader")
    add_user(sessions, "aud", "auditor")
    mid = next(iter(seeded.matters.values()))
    tag = {"category": "劳动社保", "organ": None}
    for user, tag_ok, run_ok in (("off", True, False), ("lead", True, True), ("aud", False, False)):
        client.cookies.clear()
        h = {"X-CSRF-Token": login(client, user)}
        r = client.put(f"/api/awareness/matters/{mid}/tag", json=tag, headers=h)
        assert (r.status_code == 200) is tag_ok, (user, r.status_code, r.text)
        r = client.post("/api/awareness/alerts/run", headers=h)
        assert (r.status_code == 200) is run_ok, (user, r.status_code, r.text)
