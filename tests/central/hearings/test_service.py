"""A hearing from registry to dossier, over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.db import utcnow
from central.hearings import cli
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.states import Action, Command
from tests.auth import central_client
from tests.central.hearings.drand import AFTER, BEACON, BEFORE, SIGNATURE, set_clock

SEED = "ab" * 32
SEED_SHA = hashlib.sha256(bytes.fromhex(SEED)).hexdigest()


def new_matter(sessions: sessionmaker[Session], mid: str) -> str:
    with sessions() as s:
        cmd = Command(action=Action.register, actor="officer-1", at=utcnow())
        wf.open_matter(
            s, command=cmd, officer_id="officer-1", summary="不服判决申请监督", matter_id=mid
        )
    return mid


def verify_cli(path: Path) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["hearings", "verify-draw", str(path)])
    return int(args.func(args))


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    return central_client(settings, engine)


def test_hearing_draw_outcome_and_dossier(
    client: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    c = client
    clock = set_clock(c.app, BEFORE)  # before drand round 657413 is out
    mid = new_matter(sessions, "m-1")
    ids: dict[str, list[str]] = {}
    for cat, n in (("lawyer", 4), ("npc_deputy", 3), ("community_rep", 3)):
        for i in range(n):
            r = c.post(
                "/api/hearings/registry",
                json={"name": f"{cat}{i}", "category": cat, "contact": f"{cat}{i}@example.org"},
            )
            assert r.status_code == 201
            ids.setdefault(cat, []).append(r.json()["id"])
    assert (
        c.post("/api/hearings/registry", json={"name": "x", "category": "king"}).status_code == 422
    )
    # lawyer 0 represented the petitioner's opponent; lawyer 1 has a stake in this matter
    c.post(
        f"/api/hearings/registry/{ids['lawyer'][0]}/conflicts", json={"subject": "org:某建设公司"}
    )
    c.post(
        f"/api/hearings/registry/{ids['lawyer'][1]}/conflicts", json={"subject": f"matter:{mid}"}
    )
    start = utcnow() + timedelta(days=7)
    body = {
        "matter_id": mid,
        "title": "张某申请监督案",
        "mode": "online",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "meeting_url": "https://meeting.dingtalk.example/j/123",
    }
    assert c.post("/api/hearings", json=body | {"meeting_url": "http://x"}).status_code == 422
    hid = c.post("/api/hearings", json=body).json()["id"]
    draw = {  # a seed someone else holds, together with a future beacon round
        "quotas": {"lawyer": 2, "npc_deputy": 1},
        "seed_sha256": SEED_SHA,
        "beacon": BEACON,
        "conflict_subjects": ["org:某建设公司"],
    }
    assert (
        c.post(f"/api/hearings/{hid}/draws", json=draw | {"quotas": {"lawyer": 3}}).status_code
        == 422
    )
    r = c.post(f"/api/hearings/{hid}/draws", json=draw)
    assert r.status_code == 201, r.text
    committed = r.json()
    assert committed["leaf_index"] is not None
    excluded = {e["id"] for e in committed["commit_record"]["excluded"]}
    assert excluded == {ids["lawyer"][0], ids["lawyer"][1]}
    # a wrong seed is refused and changes nothing
    clock.at(AFTER)
    reveal = f"/api/hearings/draws/{committed['id']}/reveal"
    bad = c.post(reveal, json={"seed": "cd" * 32, "beacon_signature": SIGNATURE})
    assert bad.status_code == 422 and "不符" in bad.json()["detail"]
    # the category-only quotas became zhifang-draw/2 rules: a panel of 3, exactly 2
    # lawyers (both eligible ones, so certainly) and 1 deputy (each 1 in 3)
    rec = committed["commit_record"]
    assert rec["format"] == "zhifang-draw/2" and rec["rules"]["panel_size"] == 3
    assert rec["rules"]["quotas"] == {"category": {"lawyer": [2, 2], "npc_deputy": [1, 1]}}
    chances = rec["lottery"]["chances"]
    assert chances[ids["lawyer"][2]] == chances[ids["lawyer"][3]] == 2**32
    assert committed["min_chance"] == pytest.approx(1 / 3)
    assert set(rec["lottery"]["unreachable"]) == set(ids["community_rep"])
    ok = c.post(reveal, json={"seed": SEED, "beacon_signature": SIGNATURE}).json()
    assert {ids["lawyer"][2], ids["lawyer"][3]} < set(ok["selected"])
    assert c.post(reveal, json={"seed": SEED, "beacon_signature": SIGNATURE}).status_code == 409
    again = c.post(f"/api/hearings/{hid}/draws", json=draw)  # one result per hearing
    assert again.status_code == 409 and "已有公布的抽取结果" in again.json()["detail"]

    pub = c.get(f"/api/hearings/draws/{committed['id']}/record").json()
    f = tmp_path / "draw.json"
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    assert verify_cli(f) == 0
    pub["commit"]["candidates"].pop()
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    assert verify_cli(f) == 1
    f.write_text("{", encoding="utf-8")
    assert verify_cli(f) == 2

    ics = c.get(f"/api/hearings/{hid}/invite.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    text = ics.text
    assert "BEGIN:VEVENT" in text and "URL:https://meeting.dingtalk.example/j/123" in text
    assert text.count("ATTENDEE") == 3 and all(len(x.encode()) <= 75 for x in text.split("\r\n"))

    out = {
        "record": "听证员发表意见……",
        "outcome": "维持原处理意见",
        "petitioner_accepts": True,
        "attended": ok["selected"][:2],  # the third did not come
        "others": [["petitioner", "张某"]],
    }
    clock.at(start + timedelta(minutes=5))  # the hearing has started
    assert c.post(f"/api/hearings/{hid}/outcome", json=out).status_code == 200
    [row] = c.get(f"/api/hearings/by-matter/{mid}").json()
    assert row["status"] == "held" and row["petitioner_accepts"] is True
    roles = [(p["role"], p["attended"]) for p in row["participants"]]
    assert roles.count(("officer", True)) == 2 and ("officer", False) in roles
    assert ("petitioner", True) in roles
    html = c.get("/console/hearings/panel", params={"matter_id": mid}).text
    assert "维持原处理意见" in html and "<strong>接受</strong>" in html and "（未到）" in html

    # recent service: those who just sat are excluded from the next hearing's draw
    hid2 = c.post(
        "/api/hearings",
        json=body
        | {
            "starts_at": (start + timedelta(days=1)).isoformat(),
            "ends_at": (start + timedelta(days=1, hours=1)).isoformat(),
        },
    ).json()["id"]
    r2 = c.post(
        f"/api/hearings/{hid2}/draws", json={"quotas": {"npc_deputy": 1}, "hold_seed": True}
    ).json()
    reasons = {e["id"]: e["reason"] for e in r2["commit_record"]["excluded"]}
    assert all("日内已参加听证" in reasons[x] for x in ok["selected"])
    assert (
        c.post(f"/api/hearings/{hid2}/cancel", json={"reason": "信访人撤回申请"}).json()["status"]
        == "cancelled"
    )
    assert c.post(f"/api/hearings/{hid2}/draws", json=draw).status_code == 409


def test_draw_with_quotas_on_category_and_region(
    client: TestClient,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Quotas on two features at once, refused when they cannot be met, and a record
    that `verify-draw` checks line by line."""
    c = client
    mid = new_matter(sessions, "m-2")
    people = [
        ("lawyer", "鼓楼", 3),
        ("lawyer", "台江", 1),
        ("community_rep", "鼓楼", 1),
        ("community_rep", "台江", 3),
        ("npc_deputy", "仓山", 2),
    ]
    for cat, region, n in people:
        for i in range(n):
            r = c.post(
                "/api/hearings/registry",
                json={"name": f"{cat}{region}{i}", "category": cat, "region": region},
            )
            assert r.status_code == 201
    start = utcnow() + timedelta(days=3)
    hid = c.post(
        "/api/hearings",
        json={
            "matter_id": mid,
            "title": "李某申请监督案",
            "mode": "in_person",
            "location": "区检察院听证室",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
    ).json()["id"]
    features = {
        "category": {"lawyer": [1, 2], "community_rep": [1, 2], "npc_deputy": [1, 1]},
        "region": {"鼓楼": [2, 2], "台江": [1, 2]},
    }
    draw = {"panel_size": 4, "features": features, "hold_seed": True}
    for bad, words in (
        (draw | {"quotas": {"lawyer": 1}}, "二选一"),
        ({"features": features, "hold_seed": True}, "panel_size"),
        (draw | {"features": {"gender": {"f": [1, 2]}}}, "不能按 gender 设名额"),
        (draw | {"features": {"category": {"king": [1, 1]}}}, "未知类别 king"),
        (draw | {"features": features | {"region": {"仓山": [3, 3]}}}, "仓山 至少需要 3 人"),
        (draw | {"panel_size": 16}, "1 至 15"),
    ):
        r = c.post(f"/api/hearings/{hid}/draws", json=bad)
        assert r.status_code == 422 and words in r.json()["detail"], r.text
    # only the deputies are in 仓山: region 鼓楼 2 + 台江 ≥ 1 leaves no seat for a deputy
    clash = draw | {"features": features | {"region": {"鼓楼": [2, 2], "台江": [2, 2]}}}
    r = c.post(f"/api/hearings/{hid}/draws", json=clash)
    assert r.status_code == 422 and "名额条件相互冲突" in r.json()["detail"]

    r = c.post(f"/api/hearings/{hid}/draws", json=draw)
    assert r.status_code == 201, r.text
    committed = r.json()
    rec = committed["commit_record"]
    assert rec["format"] == "zhifang-draw/2"
    assert set(rec["candidates"][0]["features"]) == {"category", "region"}
    ok = c.post(f"/api/hearings/draws/{committed['id']}/reveal", json={}).json()
    pub = c.get(f"/api/hearings/draws/{committed['id']}/record").json()
    assert pub["result"]["selected"] == ok["selected"] and len(ok["selected"]) == 4
    f = tmp_path / "draw.json"
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert verify_cli(f) == 0
    out = capsys.readouterr().out
    for words in (
        "已核对：格式 zhifang-draw/2",
        "满足全部上下限",
        "权重均为正整数",
        "重放抽取",
        "证据日志第",
        "重新求解",
        "核验通过",
    ):
        assert words in out, out
    pub["commit"]["lottery"]["panels"][0]["weight"] += 1
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    assert verify_cli(f) == 1
    assert "承诺不符" in capsys.readouterr().err


def test_central_held_seed_and_deactivation(
    client: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """``hold_seed``: central makes the seed, commits only its hash, serves nothing of
    it before the reveal and publishes it then; a deactivated person is excluded."""
    from central.hearings import draws, service
    from central.hearings.models import DrawRow

    c = client
    mid = new_matter(sessions, "m-3")
    ids = [
        c.post("/api/hearings/registry", json={"name": f"律师{i}", "category": "lawyer"}).json()[
            "id"
        ]
        for i in range(3)
    ]
    with sessions.begin() as s:
        assert service.set_active(s, person_id=ids[0], active=False).active is False
        with pytest.raises(service.HearingError, match="名册中没有"):
            service.set_active(s, person_id="nobody", active=True)
    start = utcnow() + timedelta(days=2)
    hid = c.post(
        "/api/hearings",
        json={
            "matter_id": mid,
            "title": "王某申请监督案",
            "mode": "in_person",
            "location": "听证室",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
    ).json()["id"]
    draw = {"panel_size": 1, "features": {"category": {"lawyer": [1, 1]}}, "hold_seed": True}
    both = c.post(f"/api/hearings/{hid}/draws", json=draw | {"seed_sha256": SEED_SHA})
    assert both.status_code == 422 and "不应再给出种子的哈希" in both.json()["detail"]
    r = c.post(f"/api/hearings/{hid}/draws", json=draw)
    assert r.status_code == 201, r.text
    committed = r.json()
    rec = committed["commit_record"]
    assert [e["reason"] for e in rec["excluded"]] == ["已停用"]
    with sessions() as s:
        row = s.get(DrawRow, committed["id"])
        assert row is not None and draws.holds_seed(row)
        seed = row.seed
    assert seed and hashlib.sha256(bytes.fromhex(seed)).hexdigest() == rec["seed_sha256"]
    assert seed not in r.text
    early = c.get(f"/api/hearings/draws/{committed['id']}/record")
    assert early.status_code == 409 and seed not in early.text
    assert seed not in c.get("/console/hearings/panel", params={"matter_id": mid}).text
    wrong = c.post(f"/api/hearings/draws/{committed['id']}/reveal", json={"seed": SEED})
    assert wrong.status_code == 422 and "不符" in wrong.json()["detail"]
    ok = c.post(f"/api/hearings/draws/{committed['id']}/reveal", json={})
    assert ok.status_code == 200, ok.text
    pub = c.get(f"/api/hearings/draws/{committed['id']}/record").json()
    assert pub["reveal"]["seed"] == seed and pub["result"]["selected"] == ok.json()["selected"]
    with sessions() as s:
        row = s.get(DrawRow, committed["id"])
        assert row is not None and not draws.holds_seed(row)
    f = tmp_path / "draw.json"
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    assert verify_cli(f) == 0
