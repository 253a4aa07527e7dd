"""Progress anyone can check: a petitioner with the 回执's 文号 and 查询码 reads the
status and nothing else; a guesser learns nothing and is throttled; every lookup is
audited without the code. On SQLite and PostgreSQL, in production mode."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.audit.models import AuditLog
from central.db import utcnow
from central.progress import service, throttle
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterRow
from central.workflow.refs import SiteDirectory, SiteNames
from central.workflow.states import Action, Command
from protocol.progress import NOT_FOUND_ZH
from tests.auth import box_client, register_box

NOW = utcnow()


def _matter(sessions: sessionmaker[Session], *, accept: bool = True) -> tuple[str, str, str]:
    """A matter of site minhou received two days ago (accepted yesterday): id, 文号, code."""
    with sessions() as s:
        m = wf.open_matter(
            s, command=Command(action=Action.register, actor="zhang", at=NOW - timedelta(days=2)),
            officer_id="zhang", summary="拖欠工资三个月", site="minhou",
            directory=SiteDirectory({"minhou": SiteNames("闽侯", "闽侯县人民检察院")}),
        )  # fmt: skip
    for action in (Action.notify, Action.accept) if accept else ():
        with sessions() as s:
            wf.apply_step(
                s, matter_id=m.id, config=WorkflowConfig(),
                command=Command(action=action, actor="zhang", at=NOW - timedelta(days=1)),
                scope=SiteScope("zhang", "minhou", ""),
            )  # fmt: skip
    with sessions() as s:
        row = s.get(MatterRow, m.id)
        assert row is not None and row.ref_no and row.query_code
        return m.id, row.ref_no, row.query_code


def _audits(sessions: sessionmaker[Session]) -> list[AuditLog]:
    with sessions() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == service.ACTION)))


def test_the_right_code_shows_the_status_and_nothing_more(
    app: FastAPI, anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    app.state.workflow_config = dataclasses.replace(  # as ZHIFANG_SITES_FILE would
        app.state.workflow_config,
        sites=SiteDirectory({"minhou": SiteNames("闽侯", "闽侯县人民检察院")}),
    )
    mid, ref, code = _matter(sessions)
    # typed as people type it: lower case, spaces, the brackets of an ordinary keyboard
    typed = ref.replace("〔", "[").replace("〕", "]")
    r = anon.post("/api/progress", json={"ref_no": typed, "query_code": " " + code.lower()})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ref_no"] == ref and body["channel_zh"] == "来访"
    assert body["decision"] == "accepted" and body["decision_zh"] == "已受理"
    assert body["handled_by"] == "闽侯县人民检察院控告申诉检察部门"
    assert body["replied"] is False and body["next_deadline"]["label"]
    text = r.text
    for private in ("拖欠工资", "zhang", mid, code):  # no content, no officer, no id, no code
        assert private not in text
    page = anon.post("/progress", data={"ref_no": ref, "query_code": code})
    assert page.status_code == 200 and "已受理" in page.text and "拖欠工资" not in page.text
    rows = _audits(sessions)
    assert [a.target for a in rows] == [f"matter:{mid}"] * 2
    assert all(code not in a.reason and code.lower() not in a.reason for a in rows)
    assert all(a.actor == "progress-lookup" and a.client for a in rows)


def test_a_wrong_code_and_an_unknown_ref_get_the_same_answer(
    anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    mid, ref, code = _matter(sessions, accept=False)
    wrong = "2" * len(code) if code != "2" * len(code) else "3" * len(code)
    a = anon.post("/api/progress", json={"ref_no": ref, "query_code": wrong})
    b = anon.post("/api/progress", json={"ref_no": ref + "0", "query_code": code})
    assert (a.status_code, a.json()) == (b.status_code, b.json()) == (404, {"detail": NOT_FOUND_ZH})
    pa = anon.post("/progress", data={"ref_no": ref, "query_code": wrong})
    pb = anon.post("/progress", data={"ref_no": "闽侯检信〔2026〕99999号", "query_code": code})
    assert pa.status_code == pb.status_code == 404
    assert NOT_FOUND_ZH in pa.text and NOT_FOUND_ZH in pb.text
    targets = [a.target for a in _audits(sessions)]
    assert targets[0] == f"matter:{mid}" and targets[1].startswith("ref:")
    assert all("不正确" in a.reason for a in _audits(sessions))
    empty = anon.post("/progress", data={"ref_no": ref, "query_code": ""})
    assert empty.status_code == 422 and "请填写查询码" in empty.text
    bad = anon.post("/api/progress", json={"ref_no": ref})
    assert bad.status_code == 422


def test_a_thousand_guesses_are_throttled_and_the_throttle_leaks_nothing(
    anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, ref, code = _matter(sessions)
    limits = throttle.Limits()
    statuses = []
    for i in range(1000):  # one address guessing codes for one 文号
        r = anon.post("/api/progress", json={"ref_no": ref, "query_code": f"G{i:07d}"})
        statuses.append(r.status_code)
    assert statuses.count(404) == min(limits.per_caller, limits.per_ref)
    assert statuses.count(429) == 1000 - statuses.count(404)
    r = anon.post("/api/progress", json={"ref_no": ref, "query_code": code})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # even the right one
    assert "查询过于频繁" in r.json()["detail"]
    # only admitted lookups are audited: a refused one compares no code and writes nothing
    assert len(_audits(sessions)) == min(limits.per_caller, limits.per_ref)


def test_the_ref_is_throttled_across_addresses_and_the_address_across_refs(
    sessions: sessionmaker[Session],
) -> None:
    _, ref, code = _matter(sessions)
    limits = throttle.Limits(per_caller=5, per_ref=3, window=timedelta(minutes=10))
    cfg, directory = WorkflowConfig(), SiteDirectory()

    def look(addr: str, ref_no: str, query: str, at=NOW):  # type: ignore[no-untyped-def]
        with sessions() as s:
            return service.lookup(
                s, ref_no=ref_no, query_code=query, limits=limits, config=cfg,
                directory=directory, now=at,
                caller=service.Caller(throttle.ADDRESS, addr, "progress-lookup", addr),
            )  # fmt: skip

    def outcome(*a, **kw) -> str:  # type: ignore[no-untyped-def]
        try:
            look(*a, **kw)
        except service.NotFound:
            return "nf"
        except service.Throttled:
            return "throttled"
        return "ok"

    # many addresses at one 文号 (known or not: counted alike)
    for known in (ref, "闽侯检信〔2026〕424242号"):
        got = [outcome(f"10.0.0.{i}", known, "WRONGCODE") for i in range(6)]
        assert got == ["nf"] * 3 + ["throttled"] * 3
    # one address over many 文号
    got = [outcome("10.9.9.9", f"闽侯检信〔2026〕{n}号", "WRONGCODE") for n in range(500, 507)]
    assert got == ["nf"] * 5 + ["throttled"] * 2
    # the window ends: the petitioner gets in again
    assert outcome("10.1.1.1", ref, code, at=NOW + limits.window) == "ok"


def test_the_box_asks_with_its_signed_request_and_strangers_cannot(
    app: FastAPI, anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    _, ref, code = _matter(sessions)
    key = register_box(sessions, "box-desk-1", site="minhou")
    with box_client(app, "box-desk-1", key) as box:
        r = box.post("/api/box/progress", json={"ref_no": ref, "query_code": code})
        assert r.status_code == 200 and r.json()["decision"] == "accepted"
        miss = box.post("/api/box/progress", json={"ref_no": ref, "query_code": "WRONGCODE"})
        assert miss.status_code == 404
    stranger = anon.post("/api/box/progress", json={"ref_no": ref, "query_code": code})
    assert stranger.status_code == 401
    rows = _audits(sessions)
    assert [a.actor for a in rows] == ["device:box-desk-1"] * 2
