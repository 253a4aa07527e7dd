"""What the schemathesis run (test_schemathesis.py) found, one named test each: every
request below once answered 500. Each now gets a clear 4xx and changes nothing."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.awareness.models import ReportRow
from central.hearings.models import RegistryPerson
from central.plans.models import PlanTaskRow
from tests.auth import box_client, register_box
from tests.central.intake.test_console_intake import form

SCAN = ("来信.pdf", b"%PDF-1.4\x00\x00%00 binary", "application/pdf")
HUGE = str(10**25)  # past 2**63 - 1: neither database's driver takes it


def test_a_huge_row_id_in_a_path_is_refused_not_a_500(client: TestClient) -> None:
    for method, path, body in (
        ("POST", f"/api/persons/merges/{HUGE}/undo", {"reason": "误合并"}),
        ("GET", f"/api/awareness/reports/{HUGE}/pdf", None),
        ("POST", f"/api/plans/tasks/{HUGE}/progress", {"status": "in_progress"}),
        ("GET", f"/api/legal/articles/{HUGE}", None),
    ):
        r = client.request(method, path, json=body)
        assert r.status_code == 422, (path, r.status_code, r.text)
    r = client.post(f"/console/merges/{HUGE}/undo", data={"reason": "误合并"})
    assert r.status_code < 500, r.text


def test_a_huge_offset_or_law_in_a_query_is_refused(client: TestClient, anon: TestClient) -> None:
    for path in ("/api/awareness/receptions", "/api/awareness/matters"):
        r = client.get(path, params={"offset": HUGE})
        assert r.status_code == 422, (path, r.text)
        assert client.get(path, params={"offset": 0}).status_code == 200
    assert client.get("/console/awareness/receptions", params={"offset": HUGE}).status_code < 500
    r = anon.get("/api/legal/search", params={"q": "信访", "law": HUGE})
    assert r.status_code == 422, r.text


def test_a_box_asking_for_transfers_after_a_huge_id_is_refused(
    app: Any, sessions: sessionmaker[Session]
) -> None:
    key = register_box(sessions, "box-fuzz", "minhou")
    with box_client(app, "box-fuzz", key) as box:
        assert box.get("/api/identity/transfers", params={"after": HUGE}).status_code == 422
        assert box.get("/api/identity/transfers", params={"after": 0}).status_code == 200


def test_pending_steps_takes_only_a_sensible_limit(client: TestClient) -> None:
    for limit in ("-1", "0", HUGE):
        r = client.get("/api/matters/steps/pending", params={"limit": limit})
        assert r.status_code == 422, (limit, r.text)
    assert client.get("/api/matters/steps/pending", params={"limit": 5}).status_code == 200


def test_a_report_for_year_0_is_refused_and_none_is_made(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    for month in ("0000-01", "9999-12", "2026-13", "2026-1"):
        r = client.post("/api/awareness/reports", json={"month": month})
        assert r.status_code == 422, (month, r.text)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 0
    assert client.post("/api/awareness/reports", json={"month": "2026-01"}).status_code == 201


def test_dashboard_dates_at_the_ends_of_the_calendar_are_refused(client: TestClient) -> None:
    for query in (
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-01"},
        {"end": "0001-01-02"},  # the default start would fall before year 1
    ):
        for path in ("/api/awareness/kpis", "/api/awareness/charts/receptions_time"):
            r = client.get(path, params=query)
            assert r.status_code == 422, (path, query, r.text)
            assert "日期应在" in r.json()["detail"]
    r = client.get("/console/awareness/", params={"start": "9999-12-31", "end": "9999-12-31"})
    assert r.status_code < 500
    assert client.get("/api/awareness/kpis", params={"start": "2026-01-01"}).status_code == 200


def test_the_schema_describes_central_s_own_refusals_and_files(
    app: Any, client: TestClient, anon: TestClient
) -> None:
    """A 422 of ours (a sentence, or a code and a message) and a text or file answer
    match the published description, as the schemathesis run checks for every case."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    checks = [response_schema_conformance, content_type_conformance]
    for method, path, kw in (
        ("GET", "/api/awareness/kpis", {"query": {"start": "9999-12-31", "end": "9999-12-31"}}),
        ("GET", "/api/evidence/proofs/inclusion", {"query": {"index": 5, "size": 9}}),
        ("POST", "/api/awareness/reports", {"body": {"month": "2026-1"}}),
        ("GET", "/api/evidence/checkpoint", {}),
    ):
        case = schema[path][method].Case(**kw)
        r = client.request(method, path, params=kw.get("query"), json=kw.get("body"))
        assert r.status_code in (200, 422), (path, r.text)
        case.validate_response(r, checks=checks)  # raises when the schema says otherwise


def test_a_nul_character_anywhere_in_a_request_is_refused_clearly(
    client: TestClient, anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    """PostgreSQL cannot store or search U+0000: each of these answered 500 there (and
    SQLite stored it). Now 422 with one message on both, after the gate."""
    for method, path, kw in (
        ("GET", "/api/persons", {"params": {"q": "张\x00三"}}),
        ("GET", "/api/matters/a%00b", {}),
        ("GET", "/api/devices", {"params": {"site": "a\x00"}}),
        ("GET", "/api/awareness/kpis", {"params": {"category": "a\x00"}}),
        ("GET", "/api/persons/x/dossier", {"headers": {"X-Reason": "%00"}}),
        ("POST", "/api/hearings/registry", {"json": {"name": "律师\x00", "category": "lawyer"}}),
        ("POST", "/api/matters", {"json": {"summary": "a\x00", "officer_id": "x"}}),
        ("POST", "/console/alerts/read", {"data": {"x": "a\x00"}}),
        # the letter's intake: its fields come as multipart, beside the scan
        ("POST", "/console/intake", {"data": form(name="郑\x00秀英"), "files": {"scan": SCAN}}),
    ):
        r = client.request(method, path, **kw)
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
        assert "空字符" in r.text, r.text[:200]
    assert anon.get("/api/persons", params={"q": "\x00"}).status_code == 401  # gate first
    assert anon.get("/api/legal/search", params={"q": "信\x00访"}).status_code == 422
    # an escaped backslash before "u0000" is text, not a NUL
    r = client.post(
        "/api/hearings/registry",
        content=b'{"name": "\\\\u0000\\u5f8b", "category": "lawyer"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 201, r.text
    with sessions() as s:
        names = s.scalars(select(RegistryPerson.name)).all()
    assert names == ["\\u0000律"]
    # a file may hold any byte: a scan with NULs is taken (the form is refused for
    # what its fields lack, not for the file)
    r = client.post("/console/intake", data={"name": "郑秀英"}, files={"scan": SCAN})
    assert "空字符" not in r.text


def test_a_rate_limit_past_what_the_column_holds_is_refused(client: TestClient) -> None:
    r = client.post("/api/sharing/organs", json={"id": "police-z", "name": "公安", "kind": "police",
                                                  "fields": ["summary"]})  # fmt: skip
    assert r.status_code in (200, 201), r.text
    for body in ({"per_day": 14318232258919630848}, {"per_minute": 2**31}):
        r = client.put("/api/sharing/organs/police-z/rate", json=body)
        assert r.status_code == 422, (body, r.text)
    assert client.put("/api/sharing/organs/police-z/rate", json={"per_day": 500}).status_code == 200


def test_row_ids_past_postgresql_integer_are_refused(client: TestClient) -> None:
    """2**40 fits SQLite, not PostgreSQL's integer id columns: it answered 500 there."""
    big = str(2**40)
    r = client.post(f"/api/persons/merges/{big}/undo", json={"reason": "误合并"})
    assert r.status_code == 422, r.text
    assert client.get(f"/api/legal/articles/{big}").status_code == 422


def test_a_plan_task_with_an_empty_organ_has_none(world: Any) -> None:
    """organ_id "" broke the task's foreign key on PostgreSQL (500); it means no organ."""
    c = world.client("admin-a")
    plan, later = world.ids["plan"], "2030-01-01T00:00:00+08:00"
    task = {"organ_id": "", "organ_kind": "procuratorate", "description": "约谈", "due_at": later}
    r = c.put(f"/api/plans/{plan}", json={"version": 1, "title": "方案", "tasks": [task]})
    assert r.status_code == 200, r.text
    with world.sessions() as s:
        organs = s.scalars(select(PlanTaskRow.organ_id).where(PlanTaskRow.plan_id == plan)).all()
    assert organs == [None]
    task |= {"organ_id": "no-such", "organ_kind": "police"}
    r = c.put(f"/api/plans/{plan}", json={"version": 2, "title": "方案", "tasks": [task]})
    assert r.status_code == 422, r.text


def test_a_number_is_neither_a_date_nor_a_count(client: TestClient) -> None:
    """pydantic read ``end=0`` as 1970-01-01 and ``"k": true`` as 1: accepted, wrongly."""
    for end in ("0", "0.0", "1700000000"):
        r = client.get("/api/awareness/kpis", params={"end": end})
        assert r.status_code == 422, (end, r.text)
        assert "日期格式应为 YYYY-MM-DD" in r.text
    assert client.post("/api/similar", json={"k": True, "text": "拖欠工资"}).status_code == 422
    assert client.post("/api/similar", json={"k": 3, "text": "拖欠工资"}).status_code == 200
