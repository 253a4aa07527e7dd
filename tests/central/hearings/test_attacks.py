"""Each way of grinding a draw, or of recording a hearing that has not happened, as a
named attack against the JSON API (production app, logged in), on SQLite and
PostgreSQL. The clock the hearing rules read is set (``tests/central/hearings/drand.py``) so
that a real drand quicknet round, 657413, is in the future at commit and out at the
reveal."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.db import utcnow
from central.hearings.models import DrawRow
from central.settings import Settings
from tests.auth import central_client
from tests.central.hearings.drand import (
    AFTER,
    BEACON,
    BEFORE,
    OUT,
    RANDOMNESS,
    ROUND,
    SIGNATURE,
    flip,
    set_clock,
)
from tests.central.hearings.test_service import SEED_SHA, new_matter, verify_cli

LAWYERS = {"panel_size": 2, "features": {"category": {"lawyer": [0, 2]}}}


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    return central_client(settings, engine)


def hearing(c: TestClient, sessions: sessionmaker[Session], *, start: Any = None) -> str:
    """A matter, four lawyers on the registry and an in-person hearing a week after the
    round (or at ``start``)."""
    mid = new_matter(sessions, "m-attack")
    for i in range(4):
        r = c.post(
            "/api/hearings/registry",
            json={"name": f"律师{i}", "category": "lawyer", "contact": f"l{i}@example.org"},
        )
        assert r.status_code == 201, r.text
    start = start or OUT + timedelta(days=7)
    r = c.post(
        "/api/hearings",
        json={
            "matter_id": mid,
            "title": "张某申请监督案",
            "mode": "in_person",
            "location": "本院听证室",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def commit(c: TestClient, hid: str, **kw: Any) -> Any:
    return c.post(f"/api/hearings/{hid}/draws", json=LAWYERS | kw)


def detail(r: Any) -> str:
    return str(r.json()["detail"])


def test_several_commitments_then_revealing_the_preferred_one(
    client: TestClient, sessions: sessionmaker[Session], settings: Settings, engine: Engine,
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The attack: commit several draws, learn which one gives the panel you want (a
    seed central holds can be read from the database), reveal that one. Refused: one
    open commitment per hearing; dropping one is an explicit, audited act whose trace
    (commit record, leaf, times, who, why, the held seed) the published record lists."""
    c = client
    clock = set_clock(c.app, BEFORE)
    hid = hearing(c, sessions)
    first = commit(c, hid, hold_seed=True, beacon=BEACON)
    assert first.status_code == 201, first.text
    a = first.json()
    second = commit(c, hid, hold_seed=True, beacon=BEACON)
    assert second.status_code == 409 and "请先放弃它（说明理由）" in detail(second)
    assert a["commitment"][:16] in detail(second)
    # the database holds the rule too, should two commits race past the service
    with sessions() as s, pytest.raises(IntegrityError):
        row = s.get(DrawRow, a["id"])
        assert row is not None
        s.add(
            DrawRow(id="twin", hearing_id=hid, commitment="0" * 64, commit_record={},
                    status="committed", committed_at=utcnow())
        )  # fmt: skip
        s.flush()

    # abandoning needs a reason (another site's officer may not: the route walk)
    abandon = f"/api/hearings/draws/{a['id']}/abandon"
    assert c.post(abandon, json={"reason": "x"}).status_code == 422
    clock.at(BEFORE + timedelta(minutes=2))
    r = c.post(abandon, json={"reason": "信标轮次选得太近，来不及公告"})
    assert r.status_code == 200 and r.json()["status"] == "abandoned", r.text
    assert c.post(abandon, json={"reason": "再放弃一次"}).status_code == 409
    with sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "hearing.draw.abandon")).one()
        assert audit.reason == "信标轮次选得太近，来不及公告" and audit.target.endswith(a["id"])
        held = s.get(DrawRow, a["id"])
        assert held is not None and held.seed
        held_seed = held.seed

    b_ = commit(c, hid, hold_seed=True, beacon=BEACON)
    assert b_.status_code == 201, b_.text
    b_id = b_.json()["id"]
    clock.at(AFTER)
    again = c.post(f"/api/hearings/draws/{a['id']}/reveal", json={"beacon_signature": SIGNATURE})
    assert again.status_code == 409 and "已放弃" in detail(again)
    ok = c.post(f"/api/hearings/draws/{b_id}/reveal", json={"beacon_signature": SIGNATURE})
    assert ok.status_code == 200 and ok.json()["beacon_value"] == RANDOMNESS, ok.text
    assert c.get(f"/api/hearings/draws/{a['id']}/record").status_code == 409

    pub = c.get(f"/api/hearings/draws/{b_id}/record").json()
    [dropped] = pub["abandoned"]
    assert dropped["id"] == a["id"] and dropped["commitment"] == a["commitment"]
    assert dropped["leaf_index"] == a["leaf_index"] and dropped["proof"]
    assert dropped["reason"] == "信标轮次选得太近，来不及公告"
    assert dropped["abandoned_by"] == "test-admin" and dropped["seed"] == held_seed
    assert dropped["committed_at"] < dropped["abandoned_at"]
    assert pub["reveal"]["beacon_signature"] == SIGNATURE
    f = tmp_path / "draw.json"
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert verify_cli(f) == 0
    out = capsys.readouterr().out
    assert f"放弃的承诺 1（{a['commitment'][:16]}…）" in out, out
    assert "理由：信标轮次选得太近，来不及公告" in out and "提交记录与承诺一致" in out
    assert f"是证据日志第 {a['leaf_index']} 个叶子" in out
    assert "签名经 drand quicknet 公钥核验有效" in out and "此前放弃的承诺 1 次" in out

    # a record that hides or rewrites an abandoned commitment does not verify
    for path, value, words in (
        (("commit", "candidates"), [], "与列出的承诺不符"),
        (("proof",), ["00" * 32], "不在证据日志中"),
        (("seed",), "ab" * 32, "种子与其承诺的种子哈希不符"),
    ):
        bad = json.loads(json.dumps(pub))
        entry = bad["abandoned"][0]
        for key in path[:-1]:
            entry = entry[key]
        entry[path[-1]] = value
        f.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
        capsys.readouterr()
        assert verify_cli(f) == 1, path
        assert words in capsys.readouterr().err, path


def test_revealing_with_a_forged_or_wrong_round_signature(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    """The beacon's value is never typed in: the officer gives the round's signature,
    which only the drand network can make; a forged one, or the signature of another
    round, is refused and changes nothing."""
    c = client
    clock = set_clock(c.app, BEFORE)
    hid = hearing(c, sessions)
    # committed to round 657414, revealed with 657413's (genuine) signature
    r = commit(c, hid, beacon={"source": "drand:quicknet", "round": ROUND + 1})
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    clock.at(AFTER + timedelta(seconds=3))
    reveal = f"/api/hearings/draws/{did}/reveal"
    for body, words in (
        ({"beacon_signature": SIGNATURE}, f"不是 drand quicknet 第 {ROUND + 1} 轮的签名"),
        ({"beacon_signature": flip(SIGNATURE)}, "信标签名无效"),
        ({"beacon_signature": "zz" * 48}, "应为 96 位十六进制"),  # no crash on non-hex
        ({"beacon_signature": SIGNATURE[:-2]}, "应为 96 位十六进制"),
        ({}, f"需要信标第 {ROUND + 1} 轮的签名"),
    ):
        bad = c.post(reveal, json=body)
        assert bad.status_code == 422 and words in detail(bad), (body, bad.text)
    typed = c.post(reveal, json={"beacon_value": RANDOMNESS})  # the value itself: not taken
    assert typed.status_code == 422
    with sessions() as s:
        row = s.get(DrawRow, did)
        assert row is not None and row.status == "committed" and row.beacon_value is None


def test_revealing_before_the_round_is_out(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    """Nobody has a round's signature before it is published, but a reveal before then
    is refused in words that say when to come back."""
    c = client
    clock = set_clock(c.app, BEFORE)
    hid = hearing(c, sessions)
    did = commit(c, hid, beacon=BEACON).json()["id"]
    reveal = f"/api/hearings/draws/{did}/reveal"
    clock.at(OUT - timedelta(seconds=1))
    early = c.post(reveal, json={"beacon_signature": SIGNATURE})
    assert early.status_code == 409
    assert "信标第 657413 轮将于 2023-09-15 19:00:03 发布，请在此之后再公布结果" in detail(early)
    clock.at(OUT)
    ok = c.post(reveal, json={"beacon_signature": SIGNATURE})
    assert ok.status_code == 200 and ok.json()["beacon_value"] == RANDOMNESS, ok.text


def test_committing_a_past_round(client: TestClient, sessions: sessionmaker[Session]) -> None:
    """A round already out (or out within the minute the commit needs to land, or after
    the hearing starts, or from a beacon that cannot be checked) is refused."""
    c = client
    clock = set_clock(c.app, AFTER)
    hid = hearing(c, sessions)
    for beacon, words in (
        (BEACON, "已于 2023-09-15 19:00:03 发布：请选尚未发布的轮次"),
        ({"source": "drand:quicknet", "round": 1}, "请选尚未发布的轮次"),
        ({"source": "drand:quicknet", "round": ROUND + 30}, "离现在不到 1 分钟"),
        ({"source": "drand:quicknet", "round": ROUND + 7 * 28800 + 100}, "晚于听证开始时间"),
        ({"source": "drand:mainnet", "round": ROUND + 1000}, "不支持信标 drand:mainnet"),
    ):
        r = commit(c, hid, beacon=beacon)
        assert r.status_code == 422 and words in detail(r), (beacon, r.text)
    clock.at(BEFORE)
    assert commit(c, hid, beacon=BEACON).status_code == 201


def test_an_officers_seed_without_a_beacon(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    """Whoever supplies a seed knows it, and could try candidate lists until one suits;
    only a beacon round published after the commit takes that away. Central-held seeds
    and beacon-only draws stay allowed."""
    c = client
    set_clock(c.app, BEFORE)
    hid = hearing(c, sessions)
    r = commit(c, hid, seed_sha256=SEED_SHA)
    assert r.status_code == 422 and "他人持有的种子须与公共信标一起使用" in detail(r)
    allowed = ({"seed_sha256": SEED_SHA, "beacon": BEACON}, {"hold_seed": True}, {"beacon": BEACON})
    for kw in allowed:
        r = commit(c, hid, **kw)
        assert r.status_code == 201, (kw, r.text)
        a = c.post(f"/api/hearings/draws/{r.json()['id']}/abandon", json={"reason": "换一种来源"})
        assert a.status_code == 200


def test_an_outcome_before_the_hearing(client: TestClient, sessions: sessionmaker[Session]) -> None:
    c = client
    start = OUT + timedelta(days=7)
    clock = set_clock(c.app, start - timedelta(minutes=1))
    hid = hearing(c, sessions, start=start)
    out = {"record": "听证员发表意见", "outcome": "维持原处理意见", "petitioner_accepts": True}
    early = c.post(f"/api/hearings/{hid}/outcome", json=out)
    assert early.status_code == 409
    assert "听证定于 2023-09-22 19:00（北京时间）开始，开始之后才能记录听证结果" in detail(early)
    clock.at(start)
    assert c.post(f"/api/hearings/{hid}/outcome", json=out).status_code == 200
    again = c.post(f"/api/hearings/{hid}/outcome", json=out)
    assert again.status_code == 409 and "听证已举行" in detail(again)


def test_verify_draw_checks_the_signature_and_says_when_it_cannot(
    client: TestClient,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = client
    clock = set_clock(c.app, BEFORE)
    hid = hearing(c, sessions)
    did = commit(c, hid, beacon=BEACON).json()["id"]
    clock.at(AFTER)
    r = c.post(f"/api/hearings/draws/{did}/reveal", json={"beacon_signature": SIGNATURE})
    assert r.status_code == 200, r.text
    pub = c.get(f"/api/hearings/draws/{did}/record").json()
    assert pub["abandoned"] == [] and pub["reveal"]["beacon_value"] == RANDOMNESS
    f = tmp_path / "draw.json"

    def run(record: dict[str, Any]) -> tuple[int, str, str]:
        f.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        capsys.readouterr()
        code = verify_cli(f)
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = run(pub)
    assert code == 0 and "签名经 drand quicknet 公钥核验有效" in out and "早于信标第" in out
    assert "本听证没有放弃的承诺" in out
    forged = json.loads(json.dumps(pub))
    forged["reveal"]["beacon_signature"] = flip(SIGNATURE)
    code, _, err = run(forged)
    assert code == 1 and "信标签名无效" in err
    # an old record (randomness only) verifies as it did, and says what it did not check
    old = json.loads(json.dumps(pub))
    del old["reveal"]["beacon_signature"], old["abandoned"]
    code, out, _ = run(old)
    assert code == 0 and "记录未附信标签名" in out and RANDOMNESS in out
    # without drand-verify the signature is not checked, and the verifier says so
    monkeypatch.setitem(sys.modules, "drand_verify", None)
    code, out, _ = run(forged)
    assert code == 0 and "提示：本机未安装 drand-verify，未核验信标签名" in out
