"""Similar matters from the matter table, with their recorded handling (both DBs)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.db import utcnow
from central.settings import Settings
from central.workflow import service as wf
from central.workflow.states import Action, Command
from tests.auth import central_client
from tests.central.similar.data.matters import MATTERS


def open_matters(sessions: sessionmaker[Session]) -> dict[str, str]:
    ids = {}
    for cat, items in MATTERS.items():
        for n, (summary, handling) in enumerate(items):
            mid = f"{cat}-{n}"
            with sessions() as s:
                cmd = Command(
                    action=Action.register, actor="officer-1", at=utcnow(), reason=handling
                )
                wf.open_matter(
                    s, command=cmd, officer_id="officer-1", summary=summary, matter_id=mid
                )
            ids[mid] = cat
    return ids


def test_similar_matters_come_with_their_handling(
    settings: Settings, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    open_matters(sessions)
    c = central_client(settings, engine)
    r = c.post("/api/similar", json={"text": "包工头拖欠农民工工资不发", "k": 5})
    assert r.status_code == 200
    hits = r.json()
    assert len(hits) == 5 and all(h["matter_id"].startswith("wage-") for h in hits[:3])
    assert hits[0]["handling"][0]["action"] == "register" and hits[0]["handling"][0]["reason"]
    same = c.get("/api/matters/land-0/similar", params={"k": 3}).json()
    assert "land-0" not in [h["matter_id"] for h in same]
    assert same[0]["matter_id"].startswith("land-")
    assert c.get("/api/matters/nope/similar").status_code == 404
    assert c.post("/api/similar", json={"text": "x", "extra": 1}).status_code == 422
