"""Box steps naming a matter reach the workflow inside ingest's transaction; a refused
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
from central.workflow.models import MatterVisitRow
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
        _step(rid, "archive", T0 + 4000, mid),  # not allowed now
    ]
    ing.process([box.incoming(box.seal(b)) for b in bodies])
    with sessions() as s:
        row, m = wf.load(s, mid)
        assert m.status.value == "accepted" and row.summary == "要求答复"
        assert s.get(MatterVisitRow, (mid, rid)) is not None
        refused = s.scalars(select(AuditLog).where(AuditLog.action == "matter.step.refused")).one()
        assert "archive" in refused.reason
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
