"""Two sites and every kind of caller, on central as production builds it.

Site A has a person with a reception at its box, a matter (with a plan, a task, a
hearing and a draw), another person for merges; site B has its own box and an officer.
Callers: nobody; officer, leader, admin and auditor of site A; an officer of site B;
box A and box B (device-signed); an organ the matter was shared with and one it was
not; site A's provisioning credential. Each comes with its own HTTP client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from central.access.scope import SiteScope
from central.app import create_app
from central.db import utcnow
from central.devices import credentials
from central.hearings import draws
from central.hearings import service as hearings
from central.plans.models import PlanRow, PlanTaskRow
from central.settings import Settings
from central.sharing import service as sharing
from central.workflow import service as wf
from central.workflow.states import Action, Command
from tests.auth import add_user, box_client, login, register_box
from tests.central.dossier.helpers import add_person, add_reception

SITE_A, SITE_B = "site-a", "site-b"
STAFF = {
    "officer-a": ("officer", SITE_A),
    "leader-a": ("leader", SITE_A),
    "admin-a": ("admin", SITE_A),
    "auditor-a": ("auditor", SITE_A),
    "officer-b": ("officer", SITE_B),
}
# the order requests are made in: refusals first, so a refused write meets the records
# as seeded; the callers that may write come last
PRINCIPALS = (
    "anonymous", "box-a", "box-b", "organ-shared", "organ-unshared", "provisioner-a",
    "auditor-a", "officer-b", "officer-a", "leader-a", "admin-a",
)  # fmt: skip


@dataclass
class World:
    app: Any
    sessions: sessionmaker[Session]
    ids: dict[str, str]
    tokens: dict[str, str]
    keys: dict[str, Any]
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str, *, fresh: bool = False) -> TestClient:
        """The caller's client (``fresh``: a new login, for a request that ends it)."""
        if fresh or who not in self.clients:
            self.clients[who] = self._make(who)
        return self.clients[who]

    def _make(self, who: str) -> TestClient:
        c = TestClient(self.app)
        if who in STAFF:
            c.headers["X-CSRF-Token"] = login(c, who)
        elif who.startswith("box-"):
            c.close()
            c = box_client(self.app, who, self.keys[who])
        elif who.startswith("organ-"):
            c.headers["Authorization"] = f"Bearer {self.tokens[who]}"
            c.headers["X-Purpose"] = "%E6%A0%B8%E6%9F%A5"  # 核查, percent-encoded
        elif who == "provisioner-a":
            c.headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return c

    def close(self) -> None:
        for c in self.clients.values():
            c.close()


def build(settings: Settings, engine: Any, sessions: sessionmaker[Session]) -> World:
    app = create_app(settings, engine=engine)
    for name, (role, org) in STAFF.items():
        add_user(sessions, name, role, org)
    keys = {"box-a": register_box(sessions, "box-a", SITE_A),
            "box-b": register_box(sessions, "box-b", SITE_B)}  # fmt: skip
    register_box(sessions, "box-spare", SITE_A)  # the one that gets revoked
    person = add_person(sessions, settings, "张三", phone="13800000001")
    twin = add_person(sessions, settings, "张三", phone="13800000001")
    far = add_person(sessions, settings, "李四", phone="13900000002")
    reception = add_reception(sessions, person, device="box-a", rating="dissatisfied")
    add_reception(sessions, twin, device="box-a")
    add_reception(sessions, far, device="box-b")
    now = utcnow()
    with sessions() as s:
        m = wf.open_matter(
            s, command=Command(action=Action.register, actor="officer-a", at=now, reason="登记"),
            officer_id="officer-a", summary="拖欠工资", person_ids=[person],
            reception_id=reception,
        )  # fmt: skip
    ids = {"person": person, "twin": twin, "far": far, "reception": reception, "matter": m.id}
    tokens = {}
    with sessions.begin() as s:
        everywhere = SiteScope.everywhere("seed")
        for organ in ("police-x", "town-y"):
            sharing.create_organ(s, id=organ, name=organ, kind="police", fields=["summary"])
            tokens[organ] = sharing.issue_token(s, organ_id=organ, label="walk")[1]
        sharing.share(s, matter_id=m.id, organ_id="police-x", scope=everywhere, reason="协查")
        _cid, tokens["provisioner-a"] = credentials.issue(
            s, site=SITE_A, label="walk", actor="seed"
        )
        h = hearings.schedule(
            s, matter_id=m.id, title="公开听证", mode="in_person",
            starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
            location="接待大厅", actor="officer-a",
        )  # fmt: skip
        for i in range(4):
            hearings.add_person(s, name=f"律师{i}", category="lawyer")
        s.flush()
        draw = draws.commit_draw(
            s, app.state.evidence.log, hearing_id=h.id, seed_sha256=None, beacon=None,
            panel_size=3, features={"category": {"lawyer": (0, 3)}}, hold_seed=True, now=now,
        )  # fmt: skip
        plan = PlanRow(
            id=str(uuid.uuid4()), matter_id=m.id, title="协同方案", status="sent", basis={},
            version=1, created_by="leader-a", created_at=now, updated_at=now, sent_at=now,
        )  # fmt: skip
        s.add(plan)
        s.flush()
        task = PlanTaskRow(
            plan_id=plan.id, organ_id=None, organ_kind="procuratorate", description="约谈",
            due_at=now + timedelta(days=5), status="open",
        )  # fmt: skip
        s.add(task)
        s.flush()
        ids |= {"hearing": h.id, "draw": draw.id, "plan": plan.id, "task": str(task.id)}
    tokens = {"organ-shared": tokens["police-x"], "organ-unshared": tokens["town-y"],
              "provisioner-a": tokens["provisioner-a"]}  # fmt: skip
    return World(app, sessions, ids, tokens, keys)
