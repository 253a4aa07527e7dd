"""Box steps naming a matter reach the workflow inside ingest's transaction; a step that
arrived before the steps it follows is parked and replayed when they arrive; a refused
step is audited, never fatal; a high-risk reception alerts the on-duty leader."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from central.accounts import service as accounts
from central.alerts.models import AlertRow
from central.audit.models import AuditLog
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.dossier.models import Reception
from central.ingest.ingestor import Ingestor
from central.ingest.projection import IdKeys
from central.settings import PLACEHOLDER_ID_ENC_KEY, PLACEHOLDER_ID_HASH_KEY
from central.workflow import service as wf
from central.workflow.models import MatterVisitRow, PendingStepRow
from protocol.messages import ReceptionStarted, WorkflowStepDone
from tests.central.helpers import T0, Box


def _setup(sessions: sessionmaker[Session]) -> tuple[Box, Ingestor]:
    import base64

    b = Box(name=f"box-{uuid.uuid4().hex[:8]}", site="minhou")
    with sessions.begin() as s:
        devices.register(s, data=DeviceCreate(name=b.name, site=b.site, public_key=b.public_key))
        accounts.add_account(
            s, username="lin", password="x" * 12, role="leader", org="minhou", on_duty=True
        )
    keys = IdKeys(
        hash_key=base64.b64decode(PLACEHOLDER_ID_HASH_KEY),
        enc_key=base64.b64decode(PLACEHOLDER_ID_ENC_KEY),
    )
    return b, Ingestor(sessions, id_keys=keys)


def _step(rid: str, step: str, at: int, matter: str | None, **kw: object) -> WorkflowStepDone:
    return WorkflowStepDone(
        reception_id=rid, officer_id="zhang", step=step, at=at, matter_ref=matter, **kw
    )  # type: ignore[arg-type]


def test_steps_open_and_advance_a_matter_and_a_refusal_is_audited(sessions) -> None:
    box, ing = _setup(sessions)
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    bodies = [
        ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=T0),
        _step(rid, "register", T0 + 1000, mid, fields={"诉求": "要求答复"}),
        _step(rid, "notify", T0 + 2000, mid, fields={"reason": "已告知"}),
        _step(rid, "accept", T0 + 3000, mid, fields={"reason": "属于本院管辖"}),
        _step(rid, "archive", T0 + 4000, mid),  # not allowed now: parked
        _step(rid, "handle", T0 + 2500, mid),  # dated before 受理: refused outright
    ]
    ing.process([box.incoming(box.seal(b)) for b in bodies])
    with sessions() as s:
        row, m = wf.load(s, mid)
        assert m.status.value == "accepted" and row.summary == "要求答复"
        assert s.get(MatterVisitRow, (mid, rid)) is not None
        parked = s.scalars(select(AuditLog).where(AuditLog.action == "matter.step.parked")).one()
        assert "archive" in parked.reason
        assert [p.body["step"] for p in s.scalars(select(PendingStepRow))] == ["archive"]
        refused = s.scalars(select(AuditLog).where(AuditLog.action == "matter.step.refused")).one()
        assert "handle" in refused.reason
    # a repeat visit names the open matter: linked, not re-registered
    rid2 = str(uuid.uuid4())
    ing.process(
        [
            box.incoming(box.seal(b))
            for b in (
                ReceptionStarted(reception_id=rid2, officer_id="zhang", started_at=T0 + 9000),
                _step(rid2, "register", T0 + 9500, mid),
            )
        ]
    )
    with sessions() as s:
        assert s.get(MatterVisitRow, (mid, rid2)) is not None
        assert wf.load(s, mid)[1].status.value == "accepted"


def test_a_high_risk_reception_in_progress_alerts_the_on_duty_leader(sessions) -> None:
    box, ing = _setup(sessions)
    rid = str(uuid.uuid4())
    bodies = [
        ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=T0),
        _step(rid, "register", T0 + 1000, None, note="他说再不解决就不想活了"),
    ]
    ing.process([box.incoming(box.seal(b)) for b in bodies])
    with sessions() as s:
        r = s.get(Reception, rid)
        assert r is not None and r.risk_level == "high" and "不想活" in (r.risk_reason or "")
        alert = s.scalars(select(AlertRow)).one()
        assert (alert.recipient, alert.kind, alert.reception_id) == ("lin", "high_risk", rid)
    ing.process([box.incoming(box.seal(_step(rid, "notify", T0 + 2000, None, note="仍说不想活")))])
    with sessions() as s:
        assert len(s.scalars(select(AlertRow)).all()) == 1  # once per reception and leader


def test_steps_that_arrive_before_their_predecessors_are_replayed_in_order(sessions) -> None:
    """The box sealed 登记 → 告知 → 受理 → 办理; the broker delivered 办理 and 受理 first
    (the earlier events were resent later): both wait, then apply in the order taken."""
    box, ing = _setup(sessions)
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    started, register, notify, accept, handle = (
        box.incoming(box.seal(b))
        for b in (
            ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=T0),
            _step(rid, "register", T0 + 1000, mid, fields={"诉求": "要求答复"}),
            _step(rid, "notify", T0 + 2000, mid, fields={"reason": "已告知"}),
            _step(rid, "accept", T0 + 3000, mid, fields={"reason": "属于本院管辖"}),
            _step(rid, "handle", T0 + 4000, mid, fields={"reason": "开始办理"}),
        )
    )
    ing.process([started, handle])
    ing.process([accept])
    with sessions() as s:
        assert [p.body["step"] for p in s.scalars(select(PendingStepRow))] == ["handle", "accept"]
        assert s.get(wf.MatterRow, mid) is None  # nothing registered yet
    ing.process([register])  # 登记 opens the matter; 受理 still needs 告知
    with sessions() as s:
        assert wf.load(s, mid)[1].status.value == "registered"
    ing.process([notify])
    with sessions() as s:
        _, m = wf.load(s, mid)
        assert m.status.value == "handling"
        assert [t.action.value for t in m.history] == ["register", "notify", "accept", "handle"]
        assert s.scalars(select(PendingStepRow)).all() == []
        replayed = s.scalars(select(AuditLog).where(AuditLog.action == "matter.step.replayed"))
        assert sorted(a.reason.split("（")[0] for a in replayed) == ["accept", "handle"]


def test_the_pending_steps_are_listed_for_staff(sessions, client) -> None:
    box, ing = _setup(sessions)
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    ing.process(
        [
            box.incoming(
                box.seal(ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=T0))
            ),
            box.incoming(box.seal(_step(rid, "accept", T0 + 3000, mid, fields={"reason": "管辖"}))),
        ]
    )
    listed = client.get("/api/matters/steps/pending").json()
    assert [(p["matter_ref"], p["step"]) for p in listed] == [(mid, "accept")]
    assert "事项不存在" in listed[0]["reason"]


def _people(sessions: sessionmaker[Session]) -> None:
    """zhang is the desk officer; his own leader wang is not on duty (lin is)."""
    with sessions.begin() as s:
        accounts.add_account(s, username="wang", password="x" * 12, role="leader", org="minhou")
        accounts.add_account(
            s, username="zhang", password="x" * 12, role="officer", org="minhou", leader="wang"
        )


def test_a_high_risk_reception_with_a_matter_alerts_its_officer_and_its_leader(sessions) -> None:
    box, ing = _setup(sessions)
    _people(sessions)
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    bodies = [
        ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=T0),
        _step(rid, "register", T0 + 1000, mid, fields={"request": "要求答复"}),
        _step(rid, "notify", T0 + 2000, mid, note="他说再不解决就去跳楼"),
    ]
    ing.process([box.incoming(box.seal(b)) for b in bodies])
    with sessions() as s:
        got = {(a.recipient, a.recipient_role) for a in s.scalars(select(AlertRow))}
        # the on-duty leader, the matter's officer and the officer's own 分管领导; once
        # each: the matter's own high risk tells nobody who heard of the reception
        assert got == {("lin", "leader"), ("zhang", "officer"), ("wang", "leader")}
        row, _ = wf.load(s, mid)
        assert row.risk_level == "high" and "跳楼" in (row.risk_reason or "")


def test_a_rating_reaches_the_matter_risk_and_the_category_the_dashboard(sessions) -> None:
    """What arrives after the 登记 (the petitioner's 不满意) changes the matter's stored
    risk at once, and the officer's category is on the matter as the 登记 arrives."""
    import time

    from central.api.workflow import stored_risk
    from central.awareness.models import MatterTagRow
    from central.workflow.config import WorkflowConfig
    from protocol.messages import RatingGiven, ReceptionEnded

    t0 = int(time.time() * 1000)  # today: no clock is overdue yet
    box, ing = _setup(sessions)
    _people(sessions)
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    ing.process(
        [
            box.incoming(box.seal(b))
            for b in (
                ReceptionStarted(reception_id=rid, officer_id="zhang", started_at=t0),
                _step(rid, "register", t0 + 1000, mid, fields={"request": "x", "category": "申诉"}),
            )
        ]
    )
    with sessions() as s:
        tag = s.get(MatterTagRow, mid)
        assert tag is not None and tag.category == "申诉"
        assert wf.load(s, mid)[0].risk_level == "low"
    ing.process(
        [
            box.incoming(box.seal(b))
            for b in (
                ReceptionEnded(reception_id=rid, officer_id="zhang", ended_at=t0 + 5000, events=4),
                RatingGiven(reception_id=rid, rating="dissatisfied", at=t0 + 6000),
            )
        ]
    )
    with sessions() as s:
        row, m = wf.load(s, mid)
        assert row.risk_level == "medium" and row.risk_reason == "不满意评价 1 次"
        shown = stored_risk(s, row, m, WorkflowConfig(), row.registered_at)
        assert (shown.level, shown.reasons) == ("medium", ["不满意评价 1 次"])
        assert s.scalars(select(AlertRow)).all() == []  # medium: nobody is paged
