"""The console as people use it: search, dossier, link a visit, a matter's steps,
the leader's supervision and review queues, KPIs (through the real app)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from central.access.scope import SiteScope
from central.awareness.filters import Filters
from central.awareness.kpis import kpis
from central.db import utcnow
from central.dossier.models import Reception
from central.workflow import service as wf
from central.workflow.models import MatterVisitRow, ReviewRow, SupervisionRow
from central.workflow.states import Action, Command
from tests.central.accounts.helpers import add_user, login
from tests.central.dossier.helpers import add_device, add_person, add_reception

SH = ZoneInfo("Asia/Shanghai")
MARCH = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))  # T0 is 2026-03-02

ID_A = "35012119800101123X"


def _matter(sessions, pid: str, rid: str | None = None, *, days_ago: int = 0) -> str:
    with sessions() as s:
        m = wf.open_matter(
            s,
            command=Command(
                action=Action.register,
                actor="zhang",
                at=utcnow() - timedelta(days=days_ago),
                reason="登记",
            ),
            officer_id="zhang",
            summary="要求答复土地征收补偿",
            person_ids=[pid],
            reception_id=rid,
        )
    return m.id


def test_officer_finds_a_repeat_visitor_and_links_the_visit(
    client: TestClient, sessions, settings
) -> None:
    add_device(sessions)
    add_user(sessions, "zhang", "officer", display_name="张检察官")
    pid = add_person(sessions, settings, "李明", id_number=ID_A, phone="13800000000")
    first = add_reception(sessions, pid, days=0)
    mid = _matter(sessions, pid, first)
    again = add_reception(sessions, pid, days=20)
    csrf = login(client, "zhang")
    found = client.get("/console/search", params={"q": ID_A})
    assert f"/console/persons/{pid}" in found.text and "李明" in found.text
    page = client.get(f"/console/persons/{pid}")
    assert "本次来访未关联事项" in page.text and "350121********123X" in page.text
    assert ID_A not in page.text
    r = client.post(
        f"/console/receptions/{again}/link",
        data={"matter_id": mid, "person_id": pid, "csrf_token": csrf},
        follow_redirects=True,
    )
    assert "已将本次来访关联到事项" in r.text
    with sessions() as s:
        assert s.get(MatterVisitRow, (mid, again)) is not None
    forged = client.post(f"/console/receptions/{again}/link", data={"matter_id": mid})
    assert forged.status_code == 403


def test_matter_page_shows_clocks_and_takes_steps_as_buttons(
    client: TestClient, sessions, settings
) -> None:
    add_user(sessions, "zhang", "officer")
    pid = add_person(sessions, settings, "李明")
    mid = _matter(sessions, pid)
    csrf = login(client, "zhang")
    page = client.get(f"/console/matters/{mid}")
    assert "程序性回复" in page.text and "计时中" in page.text
    buttons = re.findall(r'name="action" value="([a-z_]+)"', page.text)
    assert buttons == ["notify", "supervise", "pause"]
    ok = client.post(
        f"/console/matters/{mid}/steps",
        data={"action": "notify", "reason": "已告知权利", "csrf_token": csrf},
    )
    assert "已完成：告知" in ok.text
    bad = client.post(
        f"/console/matters/{mid}/steps", data={"action": "archive", "csrf_token": csrf}
    )
    assert "现在可以" in bad.text and "受理" in bad.text


def test_leader_is_alerted_of_a_high_risk_reception_and_joins_supervision(
    client: TestClient, sessions, settings
) -> None:
    from central.alerts.risk import raise_high_risk

    add_device(sessions)
    add_user(sessions, "lin", "leader", on_duty=True)
    add_user(sessions, "wu", "leader")  # not on duty: not alerted
    pid = add_person(sessions, settings, "李明")
    rid = add_reception(sessions, pid, ended=False)
    with sessions.begin() as s:
        r = s.get(Reception, rid)
        r.risk_level, r.risk_reason = "high", "言语中有自伤自杀倾向（不想活）"  # type: ignore[union-attr]
        raise_high_risk(s, reception_id=rid, org="minhou", reason=r.risk_reason, now=utcnow())  # type: ignore[union-attr]
    csrf = login(client, "lin")
    with client.stream("GET", "/console/alerts/stream", params={"once": 1}) as resp:
        assert "高风险接访进行中" in "".join(resp.iter_text())
    page = client.get("/console/leader/supervision")
    assert "不想活" in page.text and "加入督办" in page.text
    r2 = client.post(
        "/console/leader/supervise",
        data={"reception_id": rid, "note": "立即到场", "csrf_token": csrf},
    )
    assert "已加入督办" in r2.text
    with sessions() as s:
        assert s.scalars(select(SupervisionRow)).one().leader == "lin"
    client.cookies.clear()
    login(client, "wu")
    assert "暂无预警" in client.get("/console/alerts").text


def test_dissatisfied_ratings_fill_the_review_queue(client: TestClient, sessions, settings) -> None:
    add_device(sessions)
    add_user(sessions, "lin", "leader")
    add_user(sessions, "zhang", "officer")
    pid = add_person(sessions, settings, "李明")
    rid = add_reception(sessions, pid, rating="dissatisfied")
    add_reception(sessions, pid, rating="satisfied")
    csrf = login(client, "lin")
    page = client.get("/console/leader/reviews")
    assert "待复核 1" in page.text and f"/console/receptions/{rid}" in page.text
    r = client.post(
        f"/console/leader/reviews/{rid}",
        data={
            "findings": "接访人员未充分解释政策",
            "accountability": "批评教育",
            "csrf_token": csrf,
        },
    )
    assert "复核意见已记录" in r.text and "待复核 0" in r.text
    with sessions() as s:
        assert s.scalars(select(ReviewRow)).one().accountability == "批评教育"
    client.cookies.clear()
    login(client, "zhang")
    assert client.get("/console/leader/reviews").status_code == 403


def test_kpis_are_computed_from_the_data(client: TestClient, sessions, settings) -> None:
    from tests.central.dossier.helpers import T0

    add_device(sessions)
    add_user(sessions, "lin", "leader", org="*")
    pid = add_person(sessions, settings, "李明")
    add_reception(sessions, pid, rating="satisfied")
    add_reception(sessions, pid, rating="dissatisfied", kind="leader", visitors=3)
    with sessions() as s:
        m = wf.open_matter(
            s,
            command=Command(action=Action.register, actor="zhang", at=T0, reason="登记"),
            officer_id="zhang",
            summary="s",
            person_ids=[pid],
        )
    cfg = __import__("central.workflow.config", fromlist=["WorkflowConfig"]).WorkflowConfig()
    with sessions() as s:
        for i, a in enumerate((Action.notify, Action.accept, Action.handle)):
            wf.apply_step(
                s,
                matter_id=m.id,
                command=Command(
                    action=a, actor="zhang", at=T0 + timedelta(hours=i + 1), reason="r"
                ),
                config=cfg,
                scope=SiteScope.everywhere("test"),
            )
        wf.apply_step(
            s,
            matter_id=m.id,
            command=Command(
                action=Action.reply,
                actor="zhang",
                at=T0 + timedelta(days=10),
                reason="r",
                documents=("d",),
            ),
            config=cfg,
            scope=SiteScope.everywhere("test"),
        )
    with sessions() as s:
        k = kpis(s, f=MARCH, tz=SH)
    good = k.satisfied + k.basically_satisfied
    assert (k.receptions, k.rated, good, k.satisfaction_rate) == (2, 2, 1, 0.5)
    assert (k.matters_registered, k.matters_closed) == (1, 1)
    assert (k.reply_1d_rate, k.on_time_rate) == (1.0, 1.0)
    assert k.avg_days_to_completion == 10.0 and (k.leader_batches, k.leader_persons) == (1, 3)
    login(client, "lin")
    page = client.get("/console/kpi", params={"since": "2026-03-01", "until": "2026-03-31"})
    assert "50.0%" in page.text and "1 / 3" in page.text
    assert "100.0%" in page.text and "（1/1）" in page.text


def test_kpis_of_one_site_count_its_matters(sessions, settings) -> None:
    from tests.central.dossier.helpers import T0

    add_user(sessions, "zhang", "officer", org="minhou")
    add_user(sessions, "qian", "officer", org="fuqing")
    pid = add_person(sessions, settings, "李明")
    for officer in ("zhang", "qian"):
        with sessions() as s:
            wf.open_matter(
                s,
                command=Command(action=Action.register, actor=officer, at=T0, reason="登记"),
                officer_id=officer,
                summary="s",
                person_ids=[pid],
            )
    with sessions() as s:
        assert kpis(s, f=MARCH, tz=SH, site="minhou").matters_registered == 1
        assert kpis(s, f=MARCH, tz=SH).matters_registered == 2


def test_a_dossier_outside_ones_site_is_read_only_with_a_reason(
    client: TestClient, sessions, settings
) -> None:
    from central.audit.models import AuditLog

    add_user(sessions, "zhang", "officer", org="minhou")
    add_user(sessions, "boss", "admin", org="minhou")
    add_user(sessions, "city", "leader", org="*")
    add_device(sessions, "desk-1", site="minhou")
    add_device(sessions, "far-1", site="gulou")
    ours = add_person(sessions, settings, "张三", phone="13800000001")
    theirs = add_person(sessions, settings, "张四", phone="13800000002")
    add_reception(sessions, ours, device="desk-1")
    add_reception(sessions, theirs, device="far-1")
    login(client, "zhang")
    hits = client.get("/console/search", params={"q": "张"}).text
    assert hits.count("外院") == 1 and "张四" in hits
    assert "跨院查阅" not in client.get(f"/console/persons/{ours}").text
    ask = client.get(f"/console/persons/{theirs}")
    assert ask.status_code == 403 and "跨院查阅须说明理由" in ask.text and "张四" not in ask.text
    shown = client.get(f"/console/persons/{theirs}", params={"reason": "联合接访核实"})
    assert shown.status_code == 200 and "张四" in shown.text and "须说明理由" not in shown.text
    with sessions() as s:
        reasons = [
            a.reason
            for a in s.scalars(select(AuditLog).where(AuditLog.target == f"person:{theirs}"))
        ]
    assert any(r.startswith("跨院查阅（minhou）：联合接访核实") for r in reasons), reasons
    client.cookies.clear()
    login(client, "boss")  # an admin works on its own site too
    assert "须说明理由" in client.get(f"/console/persons/{theirs}").text
    client.cookies.clear()
    login(client, "city")  # an account of every site (a city office) needs no reason
    assert "须说明理由" not in client.get(f"/console/persons/{theirs}").text


def test_another_sites_matter_opens_only_with_a_reason(
    client: TestClient, sessions, settings
) -> None:
    from central.audit.models import AuditLog

    add_user(sessions, "zhang", "officer", org="minhou")
    add_user(sessions, "wu", "officer", org="gulou")
    add_device(sessions, "desk-1", site="minhou")
    pid = add_person(sessions, settings, "张三", phone="13800000001")
    mid = _matter(sessions, pid, add_reception(sessions, pid, device="desk-1"))
    login(client, "zhang")  # zhang handles it: no question asked
    opened = "<h2>期限</h2>"  # the matter itself (its clocks), not the question
    assert opened in client.get(f"/console/matters/{mid}").text
    client.cookies.clear()
    login(client, "wu")  # another site's officer
    ask = client.get(f"/console/matters/{mid}")
    assert ask.status_code == 403 and "该事项属于其他院（minhou）" in ask.text
    assert "本账户属于 gulou" in ask.text and opened not in ask.text
    shown = client.get(f"/console/matters/{mid}", params={"reason": "异地来访核实"})
    assert opened in shown.text
    with sessions() as s:
        reads = s.scalars(
            select(AuditLog.reason).where(
                AuditLog.action == "matter.read", AuditLog.target == f"matter:{mid}"
            )
        ).all()
    assert "跨院查阅（gulou）：异地来访核实" in reads and "控制台查阅" in reads
