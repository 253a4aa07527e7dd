"""Intake at the console for every channel, as production runs it (real logins, CSRF),
on SQLite and PostgreSQL: a letter with its scan gets its clocks from the day it was
received; calls, online petitions, visits without a box and transferred cases are
registered with what each needs; a repeat by another channel is warned of; the person
is matched into their dossier; bad input is refused with what to correct and stores
nothing; and the doors: who may register, read the scan, and from which site."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.dossier.models import Person
from central.evidence.models import Leaf
from central.intake.models import AttachmentRow
from central.workflow.models import MatterRow
from tests.auth import staff_client

LOCAL = ZoneInfo("Asia/Shanghai")
ID_NUMBER = "350121198001011232"  # a valid check digit (GB 11643)
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def today() -> date:
    return datetime.now(LOCAL).date()


@pytest.fixture
def clerk(app: FastAPI, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with staff_client(app, sessions, "clerk", "officer", display_name="陈书记员") as c:
        yield c


def form(**kw: Any) -> dict[str, str]:
    base = {
        "channel": "letter",
        "received_on": (today() - timedelta(days=2)).isoformat(),
        "received_time": "",
        "name": "郑秀英",
        "id_number": ID_NUMBER,
        "phone": "13900001111",
        "township": "甘蔗街道",
        "address": "甘蔗街道东园村 12 号",
        "request": "反映某建筑公司拖欠农民工工资，要求检察机关支持起诉",
        "category": "控告",
        "officer_id": "clerk",
    }
    return {**base, **{k: str(v) for k, v in kw.items()}}


def submit(c: TestClient, data: dict[str, str], scan: bytes | None = None, name: str = "来信.pdf"):
    files = {"scan": (name, scan, "application/pdf")} if scan is not None else None
    return c.post("/console/intake", data=data, files=files, follow_redirects=False)


def matter_of(r: Any) -> str:
    assert r.status_code == 303, r.text[-2000:]
    m = re.search(r"/console/matters/([0-9a-f-]{36})", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_letter_gets_its_clocks_from_the_day_it_was_received(
    clerk: TestClient, sessions: sessionmaker[Session]
) -> None:
    received = today() - timedelta(days=10)
    r = submit(clerk, form(received_on=received.isoformat()), scan=SCAN)
    mid = matter_of(r)
    assert "已登记" in clerk.get(r.headers["location"]).text
    m = clerk.get(f"/api/matters/{mid}").json()
    assert m["channel"] == "letter" and m["ref_no"] and m["status"] == "registered"
    clocks = {c["kind"]: c for c in m["clocks"]}
    # 程序性答复 (7 days) and the result (3 months) both count from the day it arrived
    assert clocks["procedural_reply"]["started_on"] == received.isoformat()
    assert clocks["result_reply"]["started_on"] == received.isoformat()
    assert clocks["procedural_reply"]["state"] == "overdue"  # received 10 days ago
    with sessions() as s:
        row = s.get_one(MatterRow, mid)
        assert row.registered_at.astimezone(LOCAL).date() == received
        att = s.scalars(select(AttachmentRow).where(AttachmentRow.matter_id == mid)).one()
        assert (att.kind, att.media_type, att.size) == ("letter_scan", "application/pdf", len(SCAN))
        assert s.scalar(select(Leaf).where(Leaf.leaf_index == att.leaf_index)) is not None
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.target == f"matter:{mid}")))
        assert {"matter.register", "matter.intake", "matter.attachment.add"} <= actions
        person = s.get_one(Person, row.person_id)
        assert person.township == "甘蔗街道" and person.id_number_enc is not None
    page = clerk.get(f"/console/matters/{mid}").text
    assert "来信" in page and f"收信日期 {received.isoformat()}" in page and "来信.pdf" in page
    got = clerk.get(f"/console/matters/{mid}/attachments/{att.id}")
    assert got.status_code == 200 and got.content == SCAN
    assert got.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("channel", "extra", "label"),
    [
        ("phone", {"source_ref": "12309-DH-0001", "received_time": "09:30"}, "来电时间"),
        ("online", {"source_ref": "12309-WS-0002", "received_time": "22:15"}, "提交时间"),
        ("visit", {"received_time": "10:00"}, "来访时间"),
        (
            "transfer",
            {"source_organ": "福州市信访局", "source_ref": "榕信转〔2026〕88号"},
            "收到转来材料日期",
        ),
    ],
)
def test_every_other_channel_is_registered_with_what_it_needs(
    clerk: TestClient, sessions: sessionmaker[Session], channel: str, extra: dict[str, str],
    label: str,
) -> None:  # fmt: skip
    mid = matter_of(submit(clerk, form(channel=channel, id_number="", **extra)))
    m = clerk.get(f"/api/matters/{mid}").json()
    assert m["channel"] == channel
    assert m["source_ref"] == (extra.get("source_ref") or None)
    assert m["source_organ"] == (extra.get("source_organ") or None)
    started = datetime.fromisoformat(m["registered_at"]).astimezone(LOCAL)
    assert started.date() == today() - timedelta(days=2)
    if "received_time" in extra:
        assert started.strftime("%H:%M") == extra["received_time"]
    assert label in clerk.get(f"/console/matters/{mid}").text


def test_a_transfer_without_its_organ_and_other_bad_input_store_nothing(
    clerk: TestClient, sessions: sessionmaker[Session]
) -> None:
    bad = [
        (form(channel="transfer"), "转来机关"),
        (form(id_number="35012119800101123X"), "校验码"),
        (form(received_on=(today() + timedelta(days=1)).isoformat()), "不能晚于现在"),
        (form(received_on=(today() - timedelta(days=400)).isoformat()), "历史导入"),
        (form(category="投诉"), "事项类别"),
        (form(request=""), "必填"),
        (form(name="", id_number=""), "姓名"),
        (form(officer_id="nobody"), "承办人"),
    ]
    for data, says in bad:
        r = submit(clerk, data)
        assert r.status_code == 422 and says in r.text, (data, r.text[-800:])
        assert 'data-testid="intake-error"' in r.text and data["request"] in r.text  # kept
    r = submit(clerk, form(), scan=b"<html>not a scan</html>", name="来信.pdf")
    assert r.status_code == 422 and "PDF、JPEG、PNG 或 TIFF" in r.text
    assert count(sessions, MatterRow) == 0 and count(sessions, Person) == 0


def test_a_repeat_by_another_channel_is_warned_of_before_it_is_registered(
    clerk: TestClient, sessions: sessionmaker[Session]
) -> None:
    first = matter_of(submit(clerk, form(), scan=SCAN))
    again = form(channel="phone", received_time="08:00",
                 request="电话反映：某建筑公司拖欠农民工工资，要求支持起诉")  # fmt: skip
    r = submit(clerk, again)
    assert r.status_code == 200 and 'data-testid="duplicates"' in r.text
    assert "可能是重复件" in r.text and "来信" in r.text and "诉求相近" in r.text
    assert count(sessions, MatterRow) == 1  # nothing registered yet
    with sessions() as s:
        row = s.get_one(MatterRow, first)
        assert row.ref_no is not None and row.ref_no in r.text
    mid = matter_of(submit(clerk, {**again, "confirm_new": "1"}))
    assert count(sessions, Person) == 1
    with sessions() as s:
        assert s.get_one(MatterRow, mid).person_id == s.get_one(MatterRow, first).person_id
        why = s.scalar(
            select(AuditLog.reason).where(
                AuditLog.action == "matter.intake", AuditLog.target == f"matter:{mid}"
            )
        )
        assert why is not None and "确认非重复件" in why


def test_people_are_matched_into_their_dossier(
    clerk: TestClient, sessions: sessionmaker[Session]
) -> None:
    """The same ID number, or the same name and phone, is the same dossier; a similar
    name (同音) is offered, and the clerk decides."""
    a = matter_of(submit(clerk, form()))
    b = matter_of(submit(clerk, form(id_number="", request="另一件：邻里纠纷", category="其他")))
    with sessions() as s:
        pa, pb = (s.get_one(MatterRow, x).person_id for x in (a, b))
        assert pa == pb  # name + phone
    r = submit(
        clerk, form(name="郑秀瑛", id_number="", phone="", request="第三件", category="咨询")
    )
    assert r.status_code == 200 and "档案中有相似的当事人" in r.text and "姓名同音" in r.text
    c = matter_of(submit(clerk, form(name="郑秀瑛", id_number="", phone="", request="第三件",
                                     category="咨询", confirm_new="1", person_id=pa)))  # fmt: skip
    with sessions() as s:
        assert s.get_one(MatterRow, c).person_id == pa
        assert s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "person.match")) >= 1  # fmt: skip
    # from the dossier page: 为其登记事项 files under that person, no identity asked
    page = clerk.get(f"/console/persons/{pa}").text
    assert f"/console/intake?person_id={pa}" in page
    form_page = clerk.get(f"/console/intake?person_id={pa}").text
    assert 'data-testid="intake-person"' in form_page and 'name="id_number"' not in form_page


def test_the_doors(app: FastAPI, sessions: sessionmaker[Session], clerk: TestClient) -> None:
    """Nobody anonymous; auditors read, do not register; another site's officer cannot
    register for this site nor read its scan without a reason (and then audited)."""
    mid = matter_of(submit(clerk, form(), scan=SCAN))
    with sessions() as s:
        att = s.scalars(select(AttachmentRow)).one()
    url = f"/console/matters/{mid}/attachments/{att.id}"
    with TestClient(app) as anon:
        assert anon.get("/console/intake", follow_redirects=False).status_code in (303, 401)
        assert anon.post("/console/intake", data=form()).status_code in (401, 403)
        assert anon.get(url, follow_redirects=False).status_code in (303, 401)
    with staff_client(app, sessions, "aud", "auditor") as aud:
        assert aud.get("/console/intake").status_code == 403
        assert aud.get(url).content == SCAN  # auditors read everything of the site
    with staff_client(app, sessions, "other", "officer", org="fuqing") as other:
        r = submit(other, {**form(), "site": "minhou"})
        assert r.status_code == 422 and "请选择登记的院" in r.text
        assert other.get(url).status_code == 403
        assert other.get(url, params={"reason": "当事人迁居福清，联合接访"}).content == SCAN
    with sessions() as s:
        reads = s.scalars(
            select(AuditLog.reason).where(AuditLog.action == "matter.attachment.read")
        ).all()
        assert any("联合接访" in r for r in reads)
    with TestClient(app) as c:  # a logged-in form without its CSRF token is refused
        from tests.auth import login

        login(c, "clerk")
        assert submit(c, form()).status_code == 403
    assert count(sessions, MatterRow) == 1


def test_the_kpis_count_every_channel(
    app: FastAPI, sessions: sessionmaker[Session], clerk: TestClient
) -> None:
    """A letter and a call are matters like a visit: counted once each, by channel, in
    the KPIs a leader reads."""
    from central.awareness.filters import Filters
    from central.awareness.kpis import kpis

    matter_of(submit(clerk, form(), scan=SCAN))
    matter_of(submit(clerk, form(channel="phone", name="林月", id_number="", phone="13900002222",
                                 request="来电反映：工资拖欠", received_time="09:30")))  # fmt: skip
    today = datetime.now(LOCAL).date()
    with sessions() as s:
        k = kpis(s, f=Filters(start=today - timedelta(days=30), end=today), tz=LOCAL)
    assert k.matters_registered == 2 and dict(k.by_channel) == {"letter": 1, "phone": 1}
    with staff_client(app, sessions, "lead", "leader", display_name="林领导") as lead:
        page = lead.get("/console/kpi").text
    assert "来信 1" in page and "电话 1" in page
