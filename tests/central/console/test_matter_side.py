"""The matter page as the officer's working view: legal references, similar matters,
the coordinated plan (a leader drafts, edits, sends; progress shows), what other
organs added, the hearings placeholder (through the real app, both databases)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.audit.models import AuditLog
from central.console.matter_side import PROCURATORATE
from central.console.plan_pages import FormError, parse_edit
from central.db import utcnow
from central.plans.models import PlanRow, PlanTaskRow
from central.sharing.models import MatterShare
from central.workflow import service as wf
from central.workflow.states import Action, Command
from tests.central.accounts.helpers import add_user, login
from tests.central.console.seed import seed_working_view


class Form(HTMLParser):
    """What a browser submits for the form posting to ``action``: each field's name and
    value (text, hidden, checked boxes, textarea, the selected option)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside = action, False
        self.fields: dict[str, str] = {}
        self._text: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._text = a["name"]
            self.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "option"
            and self._select
            and ("selected" in a or self._select not in self.fields)
        ):
            self.fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._text:
            self.fields[self._text] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None


def form_of(page: str, action: str) -> dict[str, str]:
    f = Form(action)
    f.feed(page)
    assert f.fields, f"no form posting to {action}"
    return dict(f.fields)


def reads(sessions: sessionmaker[Session], mid: str) -> int:
    with sessions() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.action == "matter.read", AuditLog.target == f"matter:{mid}")
            )
            or 0
        )


def test_officer_sees_law_similar_matters_and_organs_beside_the_matter(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    seeded = seed_working_view(sessions)
    mid = seeded.matter_id
    add_user(sessions, "zhang", "officer")
    login(client, "zhang")
    page = client.get(f"/console/matters/{mid}").text
    # 法律依据: suggested for the summary (it speaks of 六十日 and 办结)
    legal = page.split('id="legal"')[1].split("</section>")[0]
    assert "按事项诉求推荐" in legal and "《示范信访办理条例》第十一条" in legal
    assert "<mark>办结</mark>" in legal and 'name="lq"' in legal
    # 相似事项: the three land matters, with category, handling and outcome; not the wage one
    similar = page.split('id="similar"')[1].split("</section>")[0]
    for earlier in seeded.earlier[:3]:
        assert f'href="/console/matters/{earlier}"' in similar
    assert seeded.earlier[3] not in similar
    assert "土地征收" in similar and "经过：登记 → 受理 → 办理 → 答复" in similar
    assert "办理：调取补偿台账，约谈镇政府" in similar
    assert "镇政府已按标准补发补偿款" in similar  # the reply, as outcome
    assert "不予受理：已经法院判决" in similar and "尚未办结" in similar
    # 有关单位: shared with, and what they added (newest first), the warning also on top
    organs = page.split('id="organs"')[1].split("</section>")[0]
    assert "已共享给：" in organs and "某县公安局（公安机关）" in organs
    assert "预警（高）" in organs and "扬言到县政府门前聚集" in organs
    assert "补充信息" in organs and "当事人无违法犯罪记录" in organs
    assert "有关单位预警 1 条" in page
    # 方案: none yet; an officer gets no draft button
    plans = page.split('id="plans"')[1].split("</section>")[0]
    assert "暂无方案" in plans and f"/console/matters/{mid}/plans" not in plans
    # 听证: fetched by the page from the hearings package
    assert f'data-src="/console/hearings/panel?matter_id={mid}"' in page
    assert '<script src="/console/static/fragments.js"' in page
    assert client.get("/console/static/fragments.js").status_code == 200
    hearings = client.get("/console/hearings/panel", params={"matter_id": mid})
    assert hearings.status_code == 200 and "公开听证" in hearings.text
    # one audited read per page view, however many panels
    assert reads(sessions, mid) == 1


def test_the_search_box_looks_further_in_the_laws(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    mid = seed_working_view(sessions).matter_id
    add_user(sessions, "zhang", "officer")
    login(client, "zhang")
    found = client.get(f"/console/matters/{mid}", params={"lq": "滞留机关办公场所"}).text
    legal = found.split('id="legal"')[1].split("</section>")[0]
    assert "《示范治安秩序规定》第三条" in legal and "按事项诉求推荐" not in legal
    assert 'value="滞留机关办公场所"' in legal and "回到推荐条文" in legal
    none = client.get(f"/console/matters/{mid}", params={"lq": "宇宙飞船"}).text
    assert "没有找到包含“宇宙飞船”的条文" in none
    bad = client.get(f"/console/matters/{mid}", params={"lq": "，，"}).text
    assert "请输入要查找的文字" in bad
    assert client.get(f"/console/matters/{mid}", params={"lq": "字" * 201}).status_code == 422


def test_a_new_site_says_what_is_missing(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    add_user(sessions, "zhang", "officer")
    with sessions() as s:
        cmd = Command(action=Action.register, actor="zhang", at=utcnow(), reason="登记")
        m = wf.open_matter(s, command=cmd, officer_id="zhang", summary="邻里纠纷")
    login(client, "zhang")
    page = client.get(f"/console/matters/{m.id}").text
    assert "尚未导入法律法规" in page and "没有找到相似的事项" in page
    assert "尚未共享给其他单位" in page and "暂无方案" in page


def _rows(fields: dict[str, str]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for k, v in fields.items():
        if m := re.match(r"tasks-(\d+)-(\w+)$", k):
            out.setdefault(int(m.group(1)), {})[m.group(2)] = v
    return out


def test_leader_drafts_edits_and_sends_the_plan_and_progress_shows(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    mid = seed_working_view(sessions).matter_id
    add_user(sessions, "lin", "leader")
    add_user(sessions, "zhang", "officer")
    base = f"/console/matters/{mid}"

    # an officer may not draft, edit or send, even with a valid token
    officer_csrf = login(client, "zhang")
    assert client.post(f"{base}/plans", data={"csrf_token": officer_csrf}).status_code == 403
    client.cookies.clear()

    csrf = login(client, "lin")
    page = client.get(base).text
    assert "建议起草方案：高风险事项" in page
    assert client.post(f"{base}/plans", data={"force": "1"}).status_code == 403  # no CSRF
    drafted = client.post(f"{base}/plans", data=form_of(page, f"{base}/plans"))
    assert "已起草协同接访方案" in drafted.text
    with sessions() as s:
        plan = s.scalars(select(PlanRow).where(PlanRow.matter_id == mid)).one()
    assert "（草稿，第 1 版）" in drafted.text and "依据规则：高风险事项" in drafted.text
    assert "起草协同接访方案</button>" not in drafted.text  # one draft at a time

    # the draft's tasks in the form: the 信访局 task has no organ (none registered)
    edit_url = f"{base}/plans/{plan.id}"
    fields = form_of(drafted.text, edit_url)
    rows = _rows(fields)
    assert any(r["organ"] == "police-a" for r in rows.values())
    assert any(r["organ"] == "@xfj" for r in rows.values())
    assert any(r["organ"] == PROCURATORATE for r in rows.values())
    sent = client.post(f"{edit_url}/send", data={"csrf_token": csrf})
    assert "以下任务尚未指定单位：协调职能部门会商" in sent.text  # the 信访局 task, named

    # the leader edits: drops the 信访局 task, renames the police officer, adds a task
    for i, r in rows.items():
        if r["organ"] == "@xfj":
            fields[f"tasks-{i}-drop"] = "1"
        if r["organ"] == "police-a":
            fields[f"tasks-{i}-assignee"] = "王所长"
    new = next(i for i, r in rows.items() if not r["id"])
    fields |= {
        f"tasks-{new}-organ": "town-b",
        f"tasks-{new}-assignee": "李镇长",
        f"tasks-{new}-description": "陪同当事人核对补偿台账",
        f"tasks-{new}-due": "2030-01-15",
        "title": "某村征地补偿协同方案",
    }
    assert client.post(edit_url, data={**fields, "csrf_token": ""}).status_code == 403
    client.cookies.clear()
    officer_csrf = login(client, "zhang")
    officer_try = client.post(edit_url, data={**fields, "csrf_token": officer_csrf})
    assert officer_try.status_code == 403
    client.cookies.clear()
    csrf = login(client, "lin")
    fields["csrf_token"] = csrf
    saved = client.post(edit_url, data=fields)
    assert "方案已保存（第 2 版）" in saved.text and "某村征地补偿协同方案" in saved.text
    stale = client.post(edit_url, data=fields)
    assert "已被他人修改" in stale.text
    with sessions() as s:
        tasks = s.scalars(select(PlanTaskRow).where(PlanTaskRow.plan_id == plan.id)).all()
    assert not any(t.organ_kind == "xfj" for t in tasks)
    assert any(t.assignee == "王所长" and t.organ_id == "police-a" for t in tasks)
    added = next(t for t in tasks if t.description == "陪同当事人核对补偿台账")
    assert added.organ_id == "town-b" and added.due_at.astimezone(UTC) == datetime(
        2030, 1, 15, 15, 59, tzinfo=UTC
    )  # by the end of that day in Beijing

    # sending: CSRF and role checked; then the matter is shared with each organ
    assert client.post(f"{edit_url}/send").status_code == 403
    done = client.post(f"{edit_url}/send", data={"csrf_token": csrf})
    assert "方案已下发给：某县公安局、某镇政府" in done.text
    with sessions() as s:
        shared = set(s.scalars(select(MatterShare.organ_id).where(MatterShare.matter_id == mid)))
    assert shared == {"police-a", "town-b"}
    assert "（已下发，第 2 版" in done.text and "0 / " in done.text
    assert "重新下发" in done.text

    # our officer reports progress on 本院's task; an organ's task is reported by the organ
    client.cookies.clear()
    officer_csrf = login(client, "zhang")
    page = client.get(base).text
    assert f'action="{edit_url}/send"' not in page and f'action="{edit_url}"' not in page
    own = next(t for t in tasks if t.organ_id is None)
    police = next(t for t in tasks if t.organ_id == "police-a")
    url = f"{base}/plans/tasks/{own.id}/progress"
    assert url in page and f"{base}/plans/tasks/{police.id}/progress" not in page
    r = client.post(url, data={"status": "done", "note": "已接访", "csrf_token": officer_csrf})
    assert "已记录进度：已完成" in r.text and "1 / " in r.text and "已接访" in r.text
    assert client.post(url, data={"status": "done"}).status_code == 403  # no CSRF
    theirs = f"{base}/plans/tasks/{police.id}/progress"
    refused = client.post(theirs, data={"status": "done", "csrf_token": officer_csrf})
    assert refused.status_code == 403
    with sessions() as s:
        assert s.get_one(PlanTaskRow, own.id).status == "done"
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.target == f"matter:{mid}")))
    assert {"plan.draft", "plan.edit", "plan.send", "plan.progress"} <= actions


def test_plan_forms_refuse_other_matters_plans(
    client: TestClient, sessions: sessionmaker[Session]
) -> None:
    mid = seed_working_view(sessions).matter_id
    add_user(sessions, "lin", "leader")
    csrf = login(client, "lin")
    client.post(f"/console/matters/{mid}/plans", data={"csrf_token": csrf, "force": "1"})
    with sessions() as s:
        pid = s.scalars(select(PlanRow.id)).one()
        other = s.scalars(select(PlanRow.matter_id)).one()
    assert other == mid
    assert (
        client.post(f"/console/matters/nope/plans/{pid}/send", data={"csrf_token": csrf})
    ).status_code == 404
    assert (
        client.post("/console/matters/nope/plans", data={"csrf_token": csrf, "force": "1"})
    ).status_code == 404


KINDS = {"police-a": "police", "town-b": "township"}
OLD = {7: datetime(2030, 1, 10, 9, 0, tzinfo=UTC)}


def _task(i: int, **kw: str) -> dict[str, str]:
    row = {"id": "", "organ": PROCURATORATE, "assignee": "", "description": "", "due": ""}
    return {f"tasks-{i}-{k}": v for k, v in (row | kw).items()}


def test_the_edit_form_reads_rows_and_says_what_is_wrong() -> None:
    ok = parse_edit(
        {
            "version": "3",
            "title": "方案",
            **_task(0, id="7", organ="police-a", description="到场", due="2030-01-10"),
            **_task(1),  # an empty new row: ignored
            **_task(2, organ="@xfj", description="会商", due="2030-02-01"),
        },
        kinds=KINDS,
        old_due=OLD,
    )
    assert ok.version == 3 and [t.id for t in ok.tasks] == [7, None]
    assert ok.tasks[0].due_at == OLD[7]  # same day: the drafted time is kept
    assert (ok.tasks[0].organ_id, ok.tasks[0].organ_kind) == ("police-a", "police")
    assert (ok.tasks[1].organ_id, ok.tasks[1].organ_kind) == (None, "xfj")
    assert ok.tasks[1].due_at.date() == date(2030, 2, 1)
    cases = {
        "第 1 项任务：请填写任务内容": _task(0, id="7", due="2030-01-10"),
        "第 1 项任务：单位不存在": _task(0, organ="x", description="d", due="2030-01-10"),
        "第 1 项任务：请填写期限": _task(0, description="d"),
        "第 1 项任务：期限应为日期": _task(0, description="d", due="1月10日"),
        "第 1 项任务不属于该方案": _task(0, id="8", description="d", due="2030-01-10"),
        "方案至少要有一项任务": _task(0, id="7", drop="1"),
    }
    for said, rows in cases.items():
        with pytest.raises(FormError, match=said):
            parse_edit({"version": "1", "title": "t", **rows}, kinds=KINDS, old_due=OLD)
    with pytest.raises(FormError, match="方案名称"):
        parse_edit(
            {"version": "1", "title": "", **_task(0, description="d", due="2030-01-10")},
            kinds=KINDS,
            old_due=OLD,
        )
