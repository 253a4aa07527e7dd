"""The console's hearing pages as people use them (the real app, logged in through the
form): the registry, and a matter's hearing from scheduling to the outcome. Each form:
the happy path, a forged post without the CSRF token, a role that may not use it, and
the service's refusal shown as a message."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.hearings.models import DrawRow, HearingRow, RegistryPerson
from tests.central.accounts.helpers import add_user, login
from tests.central.hearings.drand import AFTER, BEFORE, ROUND, SIGNATURE, set_clock
from tests.central.hearings.test_service import new_matter, verify_cli

REGISTRY = "/console/hearings/registry"


def flash(r: Response) -> str:
    """The message a form's redirect carries (``?msg=`` / ``?error=``)."""
    assert r.status_code == 303, r.text
    m = re.search(r"[?&](msg|error)=([^&]*)", r.headers["location"])
    assert m, r.headers["location"]
    return f"{m.group(1)}:{unquote(m.group(2))}"


def people(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        return {p.name: p.id for p in s.scalars(select(RegistryPerson))}


def fragment(c: TestClient, mid: str) -> str:
    r = c.get("/console/hearings/panel", params={"matter_id": mid})
    assert r.status_code == 200
    return r.text


def test_registry_page_add_conflict_deactivate(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    c = client
    add_user(sessions, "lin", "leader")
    add_user(sessions, "zhang", "officer")
    add_user(sessions, "audit", "auditor")
    csrf = login(c, "lin")
    page = c.get(REGISTRY)
    assert (
        page.status_code == 200
        and "加入名册" in page.text
        and 'href="/console/hearings/"' in page.text
    )

    person = {"name": "王律师", "category": "lawyer", "region": "鼓楼", "contact": "w@example.org"}
    r = c.post(REGISTRY, data=person | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "msg:已加入名册：王律师（律师）"
    c.post(REGISTRY, data=person | {"name": "李代表", "category": "npc_deputy", "csrf_token": csrf})
    ids = people(sessions)
    # refused by the service / the form, shown as a message, nothing added
    r = c.post(
        REGISTRY, data=person | {"category": "king", "csrf_token": csrf}, follow_redirects=False
    )
    assert flash(r).startswith("error:未知类别 king")
    r = c.post(REGISTRY, data=person | {"name": "", "csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:填写有误：姓名未填写"
    assert c.post(REGISTRY, data=person).status_code == 403  # no CSRF token
    assert set(people(sessions)) == {"王律师", "李代表"}

    conflict = f"{REGISTRY}/{ids['王律师']}/conflicts"
    r = c.post(
        conflict,
        data={"kind": "org", "value": "某建设公司", "note": "曾任法律顾问", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert flash(r) == "msg:已登记利害关系：org:某建设公司"
    r = c.post(
        f"{REGISTRY}/nobody/conflicts",
        data={"kind": "org", "value": "x", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert flash(r) == "error:名册中没有 nobody"
    assert c.post(conflict, data={"kind": "org", "value": "y"}).status_code == 403
    page = c.get(REGISTRY).text
    assert "org:某建设公司（曾任法律顾问）" in page and "李代表" in page

    active = f"{REGISTRY}/{ids['李代表']}/active"
    r = c.post(active, data={"active": "0", "csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "msg:已停用：李代表"
    assert c.post(active, data={"active": "1"}).status_code == 403
    assert "李代表" not in c.get(REGISTRY).text
    assert "李代表" in c.get(REGISTRY, params={"active": "0"}).text
    only = c.get(REGISTRY, params={"category": "lawyer", "active": "all"}).text
    assert "王律师" in only and "李代表" not in only
    with sessions() as s:
        assert s.scalar(select(func.count()).where(AuditLog.action.like("hearing.registry%"))) == 4

    # an officer reads the registry but does not change it; an auditor does neither
    c.post("/console/logout", data={"csrf_token": csrf})
    csrf = login(c, "zhang")
    page = c.get(REGISTRY)
    assert page.status_code == 200 and "王律师" in page.text and "加入名册" not in page.text
    assert c.post(REGISTRY, data=person | {"csrf_token": csrf}).status_code == 403
    assert c.post(active, data={"active": "1", "csrf_token": csrf}).status_code == 403
    c.post("/console/logout", data={"csrf_token": csrf})
    login(c, "audit")
    assert c.get(REGISTRY).status_code == 403
    assert set(people(sessions)) == {"王律师", "李代表"}


def _registry(sessions: sessionmaker[Session]) -> None:
    from central.hearings import service

    with sessions.begin() as s:
        for name, cat, region in (
            ("王律师", "lawyer", "鼓楼"),
            ("陈律师", "lawyer", "台江"),
            ("李代表", "npc_deputy", "鼓楼"),
            ("赵委员", "cppcc_member", "台江"),
        ):
            service.add_person(
                s, name=name, category=cat, region=region, contact=f"{name}@example.org"
            )


def test_a_hearing_from_scheduling_to_the_outcome(
    client: TestClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    c = client
    add_user(sessions, "zhang", "officer")
    add_user(sessions, "audit", "auditor")
    mid = new_matter(sessions, "m-1")
    _registry(sessions)
    matter_page = f"/console/matters/{mid}"
    csrf = login(c, "zhang")
    assert "安排听证" in fragment(c, mid) and "暂无听证" in fragment(c, mid)

    # schedule: refused by the service (no https link), forged, then done
    when = {"starts_at": "2030-03-01T09:30", "ends_at": "2030-03-01T11:00"}
    body = {"matter_id": mid, "title": "张某申请监督案", "mode": "online", **when}
    r = c.post(
        "/console/hearings/schedule",
        data=body | {"meeting_url": "http://x", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith(matter_page + "?")
    assert flash(r) == "error:网上听证需要 https:// 开头的会议链接"
    r = c.post(
        "/console/hearings/schedule",
        data=body
        | {"matter_id": "nope", "meeting_url": "https://m.example/j/1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert flash(r) == "error:事项不存在：nope"
    online = body | {"meeting_url": "https://meeting.dingtalk.com/j/123"}
    assert c.post("/console/hearings/schedule", data=online).status_code == 403
    r = c.post(
        "/console/hearings/schedule", data=online | {"csrf_token": csrf}, follow_redirects=False
    )
    assert flash(r) == "msg:已安排听证：张某申请监督案"
    with sessions() as s:
        [h] = s.scalars(select(HearingRow)).all()
        hid = h.id
    html = fragment(c, mid)
    assert "2030-03-01 09:30 至 2030-03-01 11:00" in html  # Beijing time, as entered
    assert 'href="https://meeting.dingtalk.com/j/123"' in html
    assert f'href="/api/hearings/{hid}/invite.ics"' in html
    assert "现可抽 4 人" in html and "承诺抽取" in html
    assert (
        c.get(f"/api/hearings/{hid}/invite.ics").headers["content-type"].startswith("text/calendar")
    )

    # commit: the service's refusal, forged, then a panel of 2 with a lawyer and 鼓楼 ≥ 1
    draws = f"/console/hearings/{hid}/draws"
    rows = [
        ("category", "lawyer", "1", ""),
        ("category", "npc_deputy", "", ""),
        ("region", "鼓楼", "1", ""),
        ("region", "台江", "", ""),
    ]
    quotas = {
        k: [r[i] for r in rows] for i, k in enumerate(("q_feature", "q_value", "q_min", "q_max"))
    }
    draw = {"panel_size": "2", **quotas, "source": "server", "recent_days": "180"}
    r = c.post(draws, data=draw | {"panel_size": "5", "csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:排除后只有 4 名候选人，不足听证员人数 5"
    assert c.post(draws, data=draw).status_code == 403
    r = c.post(draws, data=draw | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r).startswith("msg:已承诺抽取：候选名单、名额和抽签方案已记入证据日志")
    with sessions() as s:
        [row] = s.scalars(select(DrawRow)).all()
        did, seed, commitment, leaf = row.id, row.seed, row.commitment, row.leaf_index
    assert seed  # central holds it …
    html = fragment(c, mid)
    assert commitment in html and f'第 <span class="leaf">{leaf}</span> 个叶子' in html
    assert "种子由本系统生成并保管" in html and "公布种子并抽取" in html
    assert seed not in html and seed not in c.get(f"/console/hearings/{hid}").text  # … secretly
    # one open commitment: no second commit until this one is revealed or abandoned
    assert "承诺抽取</button>" not in html and "本听证已有一个未公布的承诺" in html
    assert 'class="abandon"' in html
    r = c.post(draws, data=draw | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r).startswith("error:该听证已有一个未公布的承诺") and "请先放弃它" in flash(r)

    # reveal: forged, then done; a second reveal is refused with the service's words
    reveal = f"/console/hearings/draws/{did}/reveal"
    assert c.post(reveal, data={}).status_code == 403
    r = c.post(reveal, data={"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "msg:已公布抽取结果：抽中 2 名听证员"
    r = c.post(reveal, data={"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:该次抽取已公布结果"
    html = fragment(c, mid)
    assert seed in html and f'href="/api/hearings/draws/{did}/record"' in html
    assert "本系统生成的种子（已公开）" in html
    assert f"zhifang hearings verify-draw draw-{did[:8]}.json" in html
    assert f"http://127.0.0.1:8000/api/hearings/draws/{did}/record" in html
    officers = re.search(r'<table class="small officers">(.*?)</table>', html, re.S)
    assert officers and officers.group(1).count("<tr>") == 3 and "%" in officers.group(1)
    assert "候补顺序" in html and "承诺一次抽取" not in html
    full = c.get(f"/console/hearings/{hid}").text
    assert "全部候选人（4）及入选概率" in full and full.count("<b>抽中</b>") == 2
    pub = c.get(f"/api/hearings/draws/{did}/record").json()
    f = tmp_path / "draw.json"
    f.write_text(json.dumps(pub, ensure_ascii=False), encoding="utf-8")
    assert verify_cli(f) == 0
    selected = pub["result"]["selected"]

    # outcome: not before the hearing; the auditor may not, forged, then recorded
    outcome = f"/console/hearings/{hid}/outcome"
    assert "2030-03-01 09:30）之后才能记录听证结果" in html and "outcome-form" not in html
    out = {
        "record": "听证员逐一发表意见……",
        "outcome": "维持原处理意见",
        "accepts": "yes",
        "attended": selected[:1],
        "other_role": ["petitioner", "organ", "other"],
        "other_name": ["张某", "", ""],
    }
    r = c.post(outcome, data=out | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:听证定于 2030-03-01 09:30（北京时间）开始，开始之后才能记录听证结果"
    set_clock(c.app, datetime(2030, 3, 1, 1, 35, tzinfo=UTC))  # 09:35 in Beijing
    assert "outcome-form" in fragment(c, mid)
    r = c.post(outcome, data=out | {"outcome": "", "csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:填写有误：听证结论未填写"
    assert c.post(outcome, data=out).status_code == 403
    r = c.post(outcome, data=out | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "msg:已记录听证结果"
    html = fragment(c, mid)
    assert "结论：维持原处理意见" in html and "信访人<strong>接受</strong>听证结论" in html
    assert "（未到）" in html and "信访人 张某" in html and "记录听证结果" not in html
    r = c.post(outcome, data=out | {"csrf_token": csrf}, follow_redirects=False)
    assert flash(r) == "error:听证已举行，不能再记录结果"
    r = c.post(
        f"/console/hearings/{hid}/cancel",
        data={"reason": "信访人撤回", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert flash(r) == "error:听证已举行，不能取消"
    with sessions() as s:
        acts = set(s.scalars(select(AuditLog.action).where(AuditLog.action.like("hearing.%"))))
    assert acts == {
        "hearing.schedule",
        "hearing.draw.commit",
        "hearing.draw.reveal",
        "hearing.outcome",
    }

    c.post("/console/logout", data={"csrf_token": csrf})
    csrf = login(c, "audit")
    html = fragment(c, mid)  # the auditor reads it, without forms
    assert "维持原处理意见" in html and "csrf_token" not in html
    assert c.get(f"/console/hearings/{hid}").status_code == 403
    assert c.post(outcome, data=out | {"csrf_token": csrf}).status_code == 403


def test_draw_refusals_cancel_and_where_forms_return(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    c = client
    add_user(sessions, "zhang", "officer")
    mid = new_matter(sessions, "m-2")
    _registry(sessions)
    csrf = login(c, "zhang")
    page = f"/console/hearings/matters/{mid}"
    assert "安排听证" in c.get(page).text
    assert c.get("/console/hearings/matters/none").status_code == 404
    r = c.post(
        "/console/hearings/schedule",
        data={
            "matter_id": mid,
            "title": "李某申请监督案",
            "mode": "in_person",
            "location": "听证室",
            "starts_at": "2030-05-01T09:00",
            "csrf_token": csrf,
            "back": page,
        },
        follow_redirects=False,
    )
    assert r.headers["location"].startswith(page + "?msg=")
    with sessions() as s:
        hid = s.scalars(select(HearingRow.id)).one()
    draws = f"/console/hearings/{hid}/draws"
    lawyers = {"q_feature": "category", "q_value": "lawyer", "q_min": "1", "q_max": "1"}
    base = {"panel_size": "1", **lawyers, "csrf_token": csrf}
    clock = set_clock(c.app, BEFORE)  # before drand round 657413 is out
    quicknet = {"use_beacon": "1", "beacon_source": "drand:quicknet"}
    ext = base | {"source": "external", "seed_sha256": "cd" * 32}
    for bad, words in (
        (
            base | {"q_min": "3", "q_max": "3", "panel_size": "3"},
            "类别 律师（lawyer） 至少需要 3 人",
        ),
        (base | {"q_min": "", "q_max": ""}, "请至少为一个类别或地区"),
        (base | {"source": "none"}, "必须事先确定随机来源"),
        (base | {"source": "none", **quicknet, "beacon_round": "5"}, "请选尚未发布的轮次"),
        (ext, "他人持有的种子须与公共信标一起使用"),
    ):
        r = c.post(draws, data=bad, follow_redirects=False)
        assert flash(r).startswith("error:") and words in flash(r), flash(r)
    # a seed someone else holds: its hash now, the seed at the reveal; with a beacon
    ext |= {**quicknet, "beacon_round": str(ROUND), "back": "https://evil.example/"}
    r = c.post(draws, data=ext, follow_redirects=False)
    assert r.headers["location"].startswith(f"/console/matters/{mid}?msg=")  # not evil
    with sessions() as s:
        row = s.scalars(select(DrawRow)).one()
        did = row.id
        assert row.seed is None  # central does not hold someone else's seed
    html = fragment(c, mid)
    assert "持有人公布的 64 位十六进制" in html and "种子由本系统生成并保管" not in html
    assert "信标第 657413 轮将于 <b>2023-09-15 19:00:03</b> 发布" in html
    reveal = f"/console/hearings/draws/{did}/reveal"
    signed = {"csrf_token": csrf, "beacon_signature": SIGNATURE}
    r = c.post(reveal, data=signed | {"seed": "ab" * 32}, follow_redirects=False)
    assert flash(r).startswith("error:信标第 657413 轮将于 2023-09-15 19:00:03 发布，请在此之后")
    clock.at(AFTER)
    assert "将于 <b>" not in fragment(c, mid)
    r = c.post(reveal, data=signed | {"seed": "ab" * 32}, follow_redirects=False)
    assert flash(r) == "error:公布的种子与事先承诺的哈希不符"
    r = c.post(reveal, data={"csrf_token": csrf, "seed": "cd" * 32}, follow_redirects=False)
    assert flash(r).startswith("error:需要信标第 657413 轮的签名")
    r = c.post(reveal, data=signed, follow_redirects=False)
    assert flash(r) == "error:需要公布种子（十六进制）"

    cancel = f"/console/hearings/{hid}/cancel"
    r = c.post(cancel, data={"csrf_token": csrf, "reason": "x"}, follow_redirects=False)
    assert flash(r) == "error:填写有误：理由至少 2 个字"
    assert c.post(cancel, data={"reason": "信访人撤回申请"}).status_code == 403
    r = c.post(
        cancel,
        data={"csrf_token": csrf, "reason": "信访人撤回申请", "back": page},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"{page}?msg=%E5%B7%B2%E5%8F%96%E6%B6%88%E5%90%AC%E8%AF%81"
    html = c.get(page).text
    assert "已取消" in html and "zhang 取消：信访人撤回申请" in html and "承诺一次抽取" not in html
    r = c.post(reveal, data=signed | {"seed": "cd" * 32}, follow_redirects=False)
    assert flash(r) == "error:听证已取消，不能公布抽取结果"
    index = c.get("/console/hearings/").text
    assert "李某申请监督案" in index and "已取消" in index
    assert c.post("/console/hearings/nope/draws", data=base).status_code == 404


def test_the_json_api_gates_roles_as_the_console_does(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    """An officer cannot shape the registry through the JSON API either; an auditor
    changes nothing; a leader may."""
    add_user(sessions, "lin", "leader")
    add_user(sessions, "zhang", "officer")
    add_user(sessions, "audit", "auditor")
    body = {"name": "王律师", "category": "lawyer", "region": "鼓楼"}
    for user, ok in (("zhang", False), ("audit", False), ("lin", True)):
        client.cookies.clear()
        h = {"X-CSRF-Token": login(client, user)}
        r = client.post("/api/hearings/registry", json=body | {"name": user}, headers=h)
        assert (r.status_code == 201) is ok, (user, r.status_code, r.text)
