"""A matter with everything the working view shows beside it: laws imported, earlier
similar matters handled and replied, organs (one sharing the matter, with a warning
and an addition), for the page tests and the browser test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.awareness.service import tag_matter
from central.db import utcnow
from central.legal import service as legal
from central.sharing import service as sharing
from central.sharing.models import OrganRow
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterRow
from central.workflow.states import Action, Command
from tests.central.legal.samples import ORDER_TXT, REGULATION_MD

SUMMARY = "村里征地补偿款一直未发放，信访事项六十日仍未办结，当事人情绪激动扬言过激行为"
# earlier matters: (summary, category, [(action, reason)]) — the first three are alike
EARLIER = [
    (
        "征地补偿款被村委会截留未发放，要求足额发放补偿",
        "土地征收",
        [
            (Action.notify, ""),
            (Action.accept, "属本院管辖"),
            (Action.handle, "调取补偿台账，约谈镇政府"),
            (Action.reply, "镇政府已按标准补发补偿款，书面答复当事人"),
        ],
    ),
    (
        "宅基地征收补偿标准过低，补偿款迟迟未发放",
        "土地征收",
        [(Action.notify, ""), (Action.accept, "受理"), (Action.handle, "会同自然资源局核查")],
    ),
    (
        "征地拆迁补偿款分配不公，要求重新核算发放",
        "土地征收",
        [
            (Action.notify, ""),
            (Action.decline, "已经法院判决，不属于检察机关受理范围，告知向法院申请再审"),
        ],
    ),
    ("包工头拖欠农民工工资不发", "劳动社保", []),
]
ORGANS = (("police-a", "某县公安局", "police"), ("town-b", "某镇政府", "township"))


@dataclass(frozen=True)
class Seeded:
    matter_id: str
    earlier: list[str]


def seed_working_view(sessions: sessionmaker[Session], *, risk: str = "high") -> Seeded:
    cfg = WorkflowConfig()
    t0 = utcnow() - timedelta(days=60)
    earlier = []
    with sessions() as s:
        legal.import_law(s, name="示范信访办理条例", text=REGULATION_MD, source="reg.md")
        legal.import_law(s, name="示范治安秩序规定", text=ORDER_TXT, source="order.txt")
        s.commit()
    for n, (summary, category, steps) in enumerate(EARLIER):
        with sessions() as s:
            cmd = Command(action=Action.register, actor="zhang", at=t0, reason="登记")
            m = wf.open_matter(s, command=cmd, officer_id="zhang", summary=summary)
            for i, (action, reason) in enumerate(steps):
                docs = ("reply-doc",) if action is Action.reply else ()
                at = t0 + timedelta(days=i + 1)
                step = Command(action=action, actor="zhang", at=at, reason=reason, documents=docs)
                wf.apply_step(
                    s, matter_id=m.id, command=step, config=cfg, scope=SiteScope.everywhere("test")
                )
            tag_matter(s, matter_id=m.id, category=category, organ=None, actor="zhang")
            s.commit()
            earlier.append(m.id)
        t0 += timedelta(minutes=n + 1)
    with sessions() as s:
        cmd = Command(action=Action.register, actor="zhang", at=utcnow(), reason="登记")
        m = wf.open_matter(s, command=cmd, officer_id="zhang", summary=SUMMARY)
        row = s.get_one(MatterRow, m.id)
        row.risk_level, row.risk_reason = risk, "扬言过激行为"
        tag_matter(s, matter_id=m.id, category="土地征收", organ=None, actor="zhang")
        for oid, name, kind in ORGANS:
            sharing.create_organ(s, id=oid, name=name, kind=kind, fields=["summary"])
        sharing.share(
            s,
            matter_id=m.id,
            organ_id="police-a",
            scope=SiteScope.everywhere("lin"),
            reason="掌握动态",
        )
        organ = s.get_one(OrganRow, "police-a")
        token, _ = sharing.issue_token(s, organ_id="police-a")
        sharing.contribute(
            s,
            organ,
            token,
            matter_id=m.id,
            kind="warning",
            body="当事人近日多次在网上发帖扬言到县政府门前聚集",
            level="high",
            purpose="预警",
        )
        sharing.contribute(
            s,
            organ,
            token,
            matter_id=m.id,
            kind="info",
            body="当事人无违法犯罪记录",
            level=None,
            purpose="补充信息",
        )
        s.commit()
    return Seeded(m.id, earlier)
