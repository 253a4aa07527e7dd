"""The public notice of a hearing (``/hearings/{id}``, nobody logged in) and abandoning a
commitment at the console, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.hearings import service
from central.hearings.models import DrawRow, HearingRow
from tests.central.accounts.helpers import add_user, login
from tests.central.hearings.drand import AFTER, BEFORE, OUT, ROUND, SIGNATURE, set_clock
from tests.central.hearings.test_console import flash, fragment
from tests.central.hearings.test_service import new_matter


def _registry(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        for name, cat, region in (
            ("王律师", "lawyer", "鼓楼"),
            ("陈律师", "lawyer", "台江"),
            ("李代表", "npc_deputy", "鼓楼"),
            ("赵委员", "cppcc_member", "台江"),
            ("周律师", "lawyer", "鼓楼"),
        ):
            p = service.add_person(
                s, name=name, category=cat, region=region, contact=f"{name}@example.org"
            )
            if name == "周律师":
                service.set_active(s, person_id=p.id, active=False)


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_a_leader_abandons_a_commitment_and_the_notice_tells_it(
    app: FastAPI, anon: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "lin", "leader", display_name="林副检察长")
    mid = new_matter(sessions, "m-notice")
    _registry(sessions)
    clock = set_clock(app, BEFORE)
    start = OUT + timedelta(days=3)
    with sessions.begin() as s:
        h = service.schedule(
            s, matter_id=mid, title="张某申请监督案", mode="online", starts_at=start,
            ends_at=start + timedelta(hours=2), meeting_url="https://meeting.dingtalk.com/j/9",
            actor="lin",
        )  # fmt: skip
        hid = h.id
    notice = f"/hearings/{hid}"
    page = anon.get(notice)  # nobody logged in
    assert page.status_code == 200
    body = text(page.text)
    assert "听证公告" in body and "张某申请监督案" in body and "网上听证" in body
    assert "2023-09-18 19:00 至 21:00" in body and "尚未抽取听证员" in body
    assert "dingtalk" not in page.text  # the meeting link goes to those taking part only
    assert anon.get("/hearings/nope").status_code == 404

    with TestClient(app) as c:
        csrf = login(c, "lin")
        draws = f"/console/hearings/{hid}/draws"
        form = {
            "panel_size": "2", "q_feature": "category", "q_value": "lawyer", "q_min": "1",
            "q_max": "", "source": "server", "use_beacon": "1",
            "beacon_source": "drand:quicknet", "beacon_round": str(ROUND), "csrf_token": csrf,
        }  # fmt: skip
        assert flash(c.post(draws, data=form, follow_redirects=False)).startswith("msg:已承诺")
        [first] = _draws(sessions)
        html = fragment(c, mid)
        assert 'class="abandon"' in html and "放弃理由（将公开）" in html
        assert f'href="/hearings/{hid}"' in html
        # the technical proofs sit in the collapsed "如何核验"
        how = html.index('<details class="how-to-check"><summary>如何核验</summary>')
        assert html.index('<code class="commitment">') > how
        body = text(anon.get(notice).text)
        assert "候选名单和抽取方法已经确定" in body and "2023-09-15 19:00:03" in body
        assert "该轮随机数尚未公布" in body and "下载抽取记录" not in body

        abandon = f"/console/hearings/draws/{first.id}/abandon"
        assert c.post(abandon, data={"reason": "轮次太近"}).status_code == 403  # no CSRF
        r = c.post(abandon, data={"csrf_token": csrf, "reason": "x"}, follow_redirects=False)
        assert flash(r) == "error:填写有误：理由至少 2 个字"
        clock.at(BEFORE + timedelta(minutes=1))
        r = c.post(
            abandon, data={"csrf_token": csrf, "reason": "名额填错，应至少两名律师"},
            follow_redirects=False,
        )  # fmt: skip
        assert flash(r).startswith("msg:已放弃该次承诺")
        html = fragment(c, mid)
        assert "由 林副检察长 放弃，理由：名额填错，应至少两名律师" in html
        assert "承诺抽取</button>" in html  # a new draw may be committed now
        form |= {"q_min": "2"}
        assert flash(c.post(draws, data=form, follow_redirects=False)).startswith("msg:已承诺")
        clock.at(AFTER)
        second = next(d for d in _draws(sessions) if d.status == "committed")
        r = c.post(
            f"/console/hearings/draws/{second.id}/reveal",
            data={"csrf_token": csrf, "beacon_signature": SIGNATURE.upper()},
            follow_redirects=False,
        )
        assert flash(r) == "msg:已公布抽取结果：抽中 2 名听证员"
    with sessions() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "hearing.draw.abandon")).one()
        assert audit.actor == "lin" and audit.reason == "名额填错，应至少两名律师"
        revealed = s.get(DrawRow, second.id)
        assert revealed is not None and revealed.beacon_signature == SIGNATURE  # as drand has it
        assert s.get(HearingRow, hid) is not None

    page = anon.get(notice).text
    body = text(page)
    panel = re.search(r'<table class="panel">(.*?)</table>', page, re.S)
    assert panel and panel.group(1).count("<tr>") == 3  # header + two officers
    assert "律师" in panel.group(1) and "@example.org" not in page  # names, never contacts
    assert "本院听证员名册中符合条件的 4 人都有机会被抽中" in body
    assert "1 人已不在册（停用）" in body
    assert "共 2 名听证员，其中律师 2 人" in body
    assert "drand 在 2023-09-15 19:00:03 公布的第 657413 轮随机数" in body
    assert "有 1 次抽取在公布结果前被放弃" in body
    assert "由林副检察长放弃，理由：名额填错，应至少两名律师" in body
    assert f'href="/api/hearings/draws/{second.id}/record"' in page
    assert "不必相信本院" in body and second.commitment in page
    assert first.id not in page and mid not in page  # nothing of the matter


def _draws(sessions: sessionmaker[Session]) -> list[DrawRow]:
    with sessions() as s:
        rows = list(s.scalars(select(DrawRow).order_by(DrawRow.committed_at)))
        s.expunge_all()
        return rows
