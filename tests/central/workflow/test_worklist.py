"""我的待办: an officer's open matters sorted 超期, 临期, 待办 by their next deadline; a
leader's are those they lead; the console page shows them with tabs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.states import Action, Command
from central.workflow.worklist import worklist
from tests.auth import add_user

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Beijing
CFG = WorkflowConfig()


def _matter(sessions: sessionmaker[Session], officer: str, days_ago: float, summary: str) -> str:
    with sessions() as s:
        cmd = Command(action=Action.register, actor=officer, at=NOW - timedelta(days=days_ago))
        m = wf.open_matter(s, command=cmd, officer_id=officer, summary=summary)
    return m.id


def test_the_most_urgent_come_first_and_each_says_its_next_deadline(
    sessions: sessionmaker[Session],
) -> None:
    add_user(sessions, "zhang", "officer", leader="lin")
    add_user(sessions, "li", "officer")
    add_user(sessions, "lin", "leader")
    late = _matter(sessions, "zhang", 30, "拖欠工资")  # 程序性回复 long overdue
    soon = _matter(sessions, "zhang", 6, "邻里纠纷")  # due within days
    fresh = _matter(sessions, "zhang", 0, "咨询")
    other = _matter(sessions, "li", 30, "别人的事项")
    with sessions() as s:
        mine = worklist(s, config=CFG, now=NOW, officer="zhang")
        led = worklist(s, config=CFG, now=NOW, leader="lin")
    assert [w.matter_id for w in mine] == [late, soon, fresh]
    assert [w.bucket for w in mine] == ["overdue", "due_soon", "todo"]
    assert mine[0].clock and mine[0].days_left is not None and mine[0].days_left < 0
    assert all(w.ref_no for w in mine)  # 文号, for the page
    assert other not in {w.matter_id for w in mine} | {w.matter_id for w in led}
    assert {w.matter_id for w in led} == {late, soon, fresh}  # lin leads zhang
    with sessions() as s:  # a replied matter no longer waits for its procedural reply
        for a in (Action.notify, Action.accept):
            wf.apply_step(
                s, matter_id=late, command=Command(action=a, actor="zhang", at=NOW),
                config=CFG, scope=SiteScope.everywhere("zhang"),
            )  # fmt: skip
        after = {w.matter_id: w.bucket for w in worklist(s, config=CFG, now=NOW, officer="zhang")}
    assert after[late] != "overdue"
