"""A small, fully known data set: three townships, categories, matters in all states.

November 2026 (Beijing time). 甲镇 has the most receptions; 张三 comes 4 times; one
matter is archived and its petitioner comes back; one matter has 6 petitioners.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.awareness.service import tag_matter
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.states import Action, Command

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
CFG = WorkflowConfig()


@dataclass
class Seeded:
    persons: dict[str, str] = field(default_factory=dict)  # name -> id
    matters: dict[str, str] = field(default_factory=dict)  # label -> id
    receptions: list[str] = field(default_factory=list)


def _cmd(action: Action, at: datetime, **kw: object) -> Command:
    base: dict[str, object] = {"actor": "officer-1", "reason": "依规办理", "waived": True}
    base.update(kw)
    return Command(action=action, at=at, **base)  # type: ignore[arg-type]


def seed(sessions: sessionmaker[Session]) -> Seeded:
    out = Seeded()
    with sessions() as s:
        s.add(Device(id="box-1", site="minhou", public_key="A" * 44))
        people = [
            ("张三", "甲镇"), ("李四", "甲镇"), ("王五", "乙镇"), ("赵六", "丙街道"),
            *((f"群众{i}", "乙镇") for i in range(6)),
        ]  # fmt: skip
        for name, town in people:
            p = Person(name=name, township=town)
            s.add(p)
            s.flush()
            out.persons[name] = p.id

        def visit(name: str, day: int, hour: int = 9, **kw: object) -> str:
            rid = str(uuid.uuid4())
            s.add(
                Reception(
                    id=rid,
                    device="box-1",
                    officer_id=str(kw.pop("officer", "officer-1")),
                    kind=str(kw.pop("kind", "walk_in")),
                    visitors=int(kw.pop("visitors", 1)),  # type: ignore[call-overload]
                    person_id=out.persons[name],
                    started_at=datetime(2026, 11, day, hour, 0, tzinfo=SH),
                    **kw,
                )
            )
            out.receptions.append(rid)
            return rid

        r1 = visit("张三", 2, rating="satisfied")
        visit("张三", 9, rating="dissatisfied")
        visit("张三", 16, rating="dissatisfied", risk_level="high", risk_reason="扬言过激")
        visit("李四", 3, rating="basically_satisfied", officer="officer-2")
        r5 = visit("王五", 4, rating="satisfied", kind="leader", visitors=3)
        visit("赵六", 5)
        # 23:30 Beijing on the 5th is 15:30 UTC: must count on the 5th, not the 6th
        visit("李四", 5, hour=23, officer="officer-2")
        r_group = visit("群众0", 10, kind="group", visitors=6)
        s.commit()

        def matter(label: str, rid: str, names: list[str], day: int, cat: str, organ: str) -> str:
            at = datetime(2026, 11, day, 10, tzinfo=SH)
            m = wf.open_matter(
                s,
                command=_cmd(Action.register, at),
                officer_id="officer-1",
                summary=f"{label}：{cat}",
                person_ids=[out.persons[n] for n in names],
                reception_id=rid,
            )
            out.matters[label] = m.id
            tag_matter(s, matter_id=m.id, category=cat, organ=organ, actor="officer-1")
            s.commit()
            return m.id

        m1 = matter("征地", r1, ["张三"], 2, "土地征收", "某县自然资源局")
        matter("劳资", r5, ["王五"], 4, "劳动社保", "某县人社局")
        matter("群体", r_group, [f"群众{i}" for i in range(6)], 10, "土地征收", "某县人民法院")
        # m1: decided the same day, handled, replied, archived (waived) on the 6th
        steps = [
            (Action.notify, 2, {}),
            (Action.accept, 2, {}),
            (Action.handle, 3, {}),
            (Action.reply, 5, {"documents": ("reply-1",)}),
            (Action.archive, 6, {}),
        ]
        for action, day, kw in steps:
            at = datetime(2026, 11, day, 15, tzinfo=SH)
            wf.apply_step(
                s,
                matter_id=m1,
                command=_cmd(action, at, **kw),
                config=CFG,
                scope=SiteScope.everywhere("test"),
            )
    return out
