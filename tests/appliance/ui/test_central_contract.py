"""Box ↔ central seam: receptions done on the touchscreen become matters at central.

The touchscreen (its HTTP app on a real ``Desk`` and outbox) and central's real
ingest (SQLite) run together: what the box's outbox holds is ingested as the broker
would deliver it, and the next visit's look-up goes to central's HTTP API through the
box's ``HttpCentralClient`` (on central's ASGI test client, no sockets).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appliance.central_client import HttpCentralClient, PersonNotFound
from appliance.http_auth import DeviceAuth
from appliance.ui.app import create_app as ui_app
from appliance.ui.clocks import deadlines

from .helpers import OFFICER, PIN, KioskClient, Rig, make_rig

pytest.importorskip("central.app")

NEW_ID = "110105199001010010"


@dataclass
class Central:
    settings: Any
    engine: Any
    sessions: Any
    ingestor: Any
    ingested: int = 0

    def ingest(self, rig: Rig) -> None:
        """Everything the box's outbox holds that central has not seen yet."""
        from central.ingest.ingestor import Incoming

        cfg = rig.box.config
        topic = f"zhifang/v1/{cfg.site}/{cfg.device}/event"
        now = datetime.now(UTC)
        events = rig.box.outbox.all_events()[self.ingested :]
        outcomes = self.ingestor.process([Incoming(topic, e.wire, now) for e in events])
        assert set(outcomes) <= {"stored", "duplicate"}, outcomes
        self.ingested += len(events)


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
    else:
        from tests.databases import pg_schema_url

        yield from pg_schema_url("desk")


@pytest.fixture
def central(rig: Rig, tmp_path: Path, database_url: str, migrated: Any) -> Iterator[Central]:
    from central.database import make_engine, make_session_factory
    from central.devices import service as devices
    from central.devices.schemas import DeviceCreate
    from central.ingest.ingestor import Ingestor
    from central.ingest.projection import IdKeys
    from tests.auth import production_settings

    settings = production_settings(
        database_url=database_url,
        data_dir=tmp_path / "central",
        ingest_group=f"t{uuid.uuid4().hex[:8]}",
    )
    migrated.fill(settings.db_url)  # what migrate makes, copied (tests/databases.py)
    engine = make_engine(settings, write_immediate=True)
    sessions = make_session_factory(engine)
    cfg = rig.box.config
    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name=cfg.device, site=cfg.site, public_key=rig.box.public_key_b64)
        )
    keys = IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes)
    yield Central(settings, engine, sessions, Ingestor(sessions, id_keys=keys))
    engine.dispose()


def steps_at_the_desk(box_ui: TestClient, decision: str = "accept") -> None:
    box_ui.post(
        "/reception/step/register",
        data={"request": "举报线索：某村干部侵占补偿款", "category": "举报", "source": "来访"},
    )
    box_ui.post(
        "/reception/step/notify",
        data={"told_scope": "1", "told_deadline": "1", "told_review": "1"},
    )
    if decision == "accept":
        box_ui.post("/reception/step/accept", data={"reason": "属本院管辖"})
    else:
        box_ui.post("/reception/step/transfer", data={"target_organ": "某某区公安分局"})


def step_bodies(rig: Rig) -> list[dict[str, Any]]:
    return [b for t, b in rig.events() if t == "workflow.step"]


def test_register_notify_accept_at_the_desk_opens_the_matter_with_its_clocks(
    rig: Rig, central: Central
) -> None:
    from central.dossier.models import Person
    from central.workflow import service
    from central.workflow.clocks import ClockKind, clocks
    from central.workflow.config import WorkflowConfig
    from central.workflow.states import Status

    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        r = box_ui.post(
            "/reception/identify",
            data={
                "id_number": NEW_ID,
                "name": "王五",
                "township": "甘蔗街道",
                "address": "洋下村 8 号",
            },
        )
        assert "首次来访" in r.text
        steps_at_the_desk(box_ui)
        shown = {d.kind: d.due for d in rig.desk.state()["deadlines"]}
        box_ui.post("/reception/rate")
        rig.panel.press("satisfied")

    bodies = step_bodies(rig)
    refs = {b["matter_ref"] for b in bodies}
    assert len(refs) == 1 and uuid.UUID(refs.pop()).version == 7  # made on the box
    mid = bodies[0]["matter_ref"]
    central.ingest(rig)

    cfg = WorkflowConfig()
    with central.sessions() as s:
        row, m = service.load(s, mid)
        assert m.status is Status.accepted and [t.action.value for t in m.history] == [
            "register", "notify", "accept",
        ]  # fmt: skip
        assert row.summary == "举报线索：某村干部侵占补偿款" and row.officer_id == OFFICER
        assert row.reception_id == bodies[0]["reception_id"]
        person = s.get(Person, row.person_id)
        assert person is not None and person.township == "甘蔗街道"
        assert person.address == "洋下村 8 号"
        now = datetime.now(UTC)
        got = {c.kind: c for c in clocks(m, cfg.rules, cfg.calendar, now)}
    # the clocks run from the desk's own 登记 time, and the desk showed the same dates
    assert got[ClockKind.procedural_reply].completed_at is not None  # 受理 answered it
    assert got[ClockKind.result_reply].completed_at is None
    assert got[ClockKind.handling].due_on == shown["handling"]
    assert got[ClockKind.procedural_reply].due_on == shown["procedural_reply"]
    assert got[ClockKind.result_reply].due_on == shown["result_reply"]
    registered_ms = bodies[0]["at"]
    assert (
        got[ClockKind.acceptance_decision].due_on == deadlines(rig.desk.cfg, registered_ms)[1].due
    )


def test_returning_visitor_links_to_the_open_matter_and_is_not_asked_twice(
    rig: Rig, central: Central
) -> None:
    from central.app import create_app
    from central.workflow import service

    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        box_ui.post(
            "/reception/identify",
            data={"id_number": NEW_ID, "name": "王五", "township": "甘蔗街道"},
        )
        steps_at_the_desk(box_ui, decision="transfer")
        box_ui.post("/reception/rate")
        rig.panel.press("dissatisfied")
    first = step_bodies(rig)[0]
    central.ingest(rig)

    # the second visit looks the person up at central itself
    with TestClient(create_app(central.settings, engine=central.engine)) as http:
        http.auth = DeviceAuth(rig.box.config.device, rig.box.key)  # the box signs each request
        rig.desk.central = HttpCentralClient(http)
        with KioskClient(ui_app(rig.desk)) as box_ui:
            box_ui.post("/reception/next")
            box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
            r = box_ui.post("/reception/identify", data={"id_number": NEW_ID})  # no name, no 乡镇
            assert "王五" in r.text and "当事人有未结事项" in r.text
            assert "举报线索：某村干部侵占补偿款" in r.text and "已转办" in r.text
            r = box_ui.post("/reception/matter", data={"matter": first["matter_ref"]})
            assert "并入事项" in r.text and "事项类别" not in r.text  # not asked again
            box_ui.post("/reception/step/register", data={"request": "催问办理进度"})
            r = box_ui.post(
                "/reception/step/notify",
                data={"told_scope": "1", "told_deadline": "1", "told_review": "1"},
            )
            assert "程序已完成" in r.text  # already decided: no second 受理/转办
            box_ui.post("/reception/rate")
            rig.panel.press("basically_satisfied")
        with pytest.raises(PersonNotFound):
            rig.desk.central.find_person(id_number="110105198503151230", officer_id=OFFICER)
    second = [b for b in step_bodies(rig) if b["reception_id"] != first["reception_id"]]
    assert [b["step"] for b in second] == ["register", "notify"]
    assert {b["matter_ref"] for b in second} == {first["matter_ref"]}
    central.ingest(rig)
    with central.sessions() as s:
        assert sorted(service.visits(s, first["matter_ref"])) == sorted(
            {first["reception_id"], second[0]["reception_id"]}
        )
        _row, m = service.load(s, first["matter_ref"])
        assert [t.action.value for t in m.history] == ["register", "notify", "transfer"]


def test_a_corrected_step_and_a_cancelled_reception_are_recorded_at_central(
    rig: Rig, central: Central
) -> None:
    from central.audit.models import AuditLog
    from central.dossier.models import Reception, ReceptionStep
    from central.workflow.models import MatterRow

    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        box_ui.post(
            "/reception/identify",
            data={"id_number": NEW_ID, "name": "王五", "township": "甘蔗街道"},
        )
        box_ui.post(
            "/reception/step/register",
            data={"request": "举报线索：某村干部侵占补尝款", "category": "控告", "source": "来访"},
        )
        register = step_bodies(rig)[0]
        ev = rig.desk.reception.records[0].event_id  # type: ignore[union-attr]
        r = box_ui.get(f"/reception/correct/{ev}")
        assert "举报线索：某村干部侵占补尝款</textarea>" in r.text  # the confirmed values
        r = box_ui.post(
            f"/reception/correct/{ev}",
            data={"request": "举报线索：某村干部侵占补偿款", "category": "举报", "source": "来访"},
        )
        assert "请填写更正原因" in r.text and "侵占补偿款</textarea>" in r.text  # kept
        r = box_ui.post(
            f"/reception/correct/{ev}",
            data={
                "request": "举报线索：某村干部侵占补偿款",
                "category": "举报",
                "source": "来访",
                "correct_reason": "错别字；类别选错",
            },
        )
        assert "已更正" in r.text
        r = box_ui.post("/reception/cancel", data={"reason": ""})
        assert "请填写撤销原因" in r.text
        r = box_ui.post("/reception/cancel", data={"reason": "当事人接电话后离开，未办完"})
        assert "接待已撤销" in r.text and rig.recorder.reception_id is None
    types = [t for t, _ in rig.events()]
    assert types[-2:] == ["workflow.corrected", "reception.cancelled"]
    assert "rating.given" not in types and "reception.ended" not in types
    central.ingest(rig)
    rid = register["reception_id"]
    with central.sessions() as s:
        step = s.query(ReceptionStep).filter_by(reception_id=rid, step="register").one()
        assert step.fields["category"] == "举报" and "补偿款" in step.fields["request"]
        assert s.get(MatterRow, register["matter_ref"]).summary == "举报线索：某村干部侵占补偿款"
        rec = s.get(Reception, rid)
        assert rec is not None and rec.cancelled_at is not None and rec.ended_at is not None
        assert rec.cancel_reason == "当事人接电话后离开，未办完"
        assert rec.events_expected == rec.events == len(types)
        actions = {a.action for a in s.query(AuditLog)}
        assert {"reception.step.corrected", "reception.cancelled", "matter.visit.cancelled"} <= (
            actions
        )
    # the matter stays, and its page in the console says the visit was withdrawn and why
    from central.app import create_app
    from tests.auth import staff_client

    app = create_app(central.settings, engine=central.engine)
    with staff_client(app, central.sessions, "clerk", "officer", "minhou") as console:
        page = console.get(f"/console/matters/{register['matter_ref']}")
    assert page.status_code == 200 and 'data-testid="visit-cancelled"' in page.text
    assert "在接待终端撤销（原因：当事人接电话后离开，未办完）" in page.text


def test_a_group_visit_records_every_person_and_their_representatives(
    rig: Rig, central: Central
) -> None:
    from central.workflow import service

    others = [
        ("110105199203040015", "赵六", "representative"),
        ("110105199305060025", "钱七", "member"),
    ]
    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "group", "visitors": "3"})
        r = box_ui.post(
            "/reception/identify",
            data={"id_number": NEW_ID, "name": "王五", "township": "甘蔗街道"},
        )
        assert "集体访：代表和其他来访人" in r.text
        for id_number, name, role in others:
            r = box_ui.post(
                "/reception/visitor",
                data={"id_number": id_number, "name": name, "township": "甘蔗街道", "role": role},
            )
            assert f"已添加：{name}" in r.text
        box_ui.post("/reception/party/done")
        steps_at_the_desk(box_ui)
        box_ui.post("/reception/rate")
        rig.panel.press("satisfied")
    visitors = [b for t, b in rig.events() if t == "reception.visitor"]
    assert [(v["person"]["name"], v["role"]) for v in visitors] == [(n, r) for _, n, r in others]
    central.ingest(rig)
    mid = step_bodies(rig)[0]["matter_ref"]
    with central.sessions() as s:
        names = dict(service.persons(s, mid))
    from central.dossier.models import Person

    with central.sessions() as s:
        roles = {s.get(Person, pid).name: role for pid, role in names.items()}  # type: ignore[union-attr]
    assert roles == {"王五": "representative", "赵六": "representative", "钱七": "member"}


def test_a_pin_lockout_is_stored_at_central_not_quarantined(rig: Rig, central: Central) -> None:
    from central.audit.models import AuditLog
    from central.ingest.models import Event, Quarantine

    with KioskClient(ui_app(rig.desk)) as box_ui:
        for _ in range(rig.desk.cfg.pin_max_failures):
            box_ui.post("/signin", data={"officer_id": OFFICER, "pin": "000000"})
    central.ingest(rig)
    with central.sessions() as s:
        assert s.query(Quarantine).count() == 0
        ev = s.query(Event).filter_by(type="officer.locked_out").one()
        assert ev.body["officer_id"] == OFFICER and ev.body["scope"] == "officer"
        audit = s.query(AuditLog).filter_by(action="officer.locked_out").one()
        assert "连续 5 次 PIN 错误" in audit.reason


def test_the_demos_simulated_reception_is_a_matter_too(rig: Rig, central: Central) -> None:
    from appliance.simulate import simulate_reception
    from central.workflow import service
    from central.workflow.states import Status

    simulate_reception(rig.box.outbox, officer_id=OFFICER, panel=rig.panel)
    mid = step_bodies(rig)[0]["matter_ref"]
    central.ingest(rig)
    with central.sessions() as s:
        row, m = service.load(s, mid)
        assert m.status is Status.accepted and row.summary == "不服民事判决，申请监督"


def test_the_look_up_is_signed_and_limited_to_the_boxs_own_site(rig: Rig, central: Central) -> None:
    from central.app import create_app
    from tests.auth import register_box

    with KioskClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        box_ui.post(
            "/reception/identify",
            data={"id_number": NEW_ID, "name": "王五", "township": "甘蔗街道"},
        )
        steps_at_the_desk(box_ui)
    central.ingest(rig)
    with TestClient(create_app(central.settings, engine=central.engine)) as http:
        http.auth = DeviceAuth(rig.box.config.device, rig.box.key)
        pid = HttpCentralClient(http).find_person(id_number=NEW_ID, officer_id=OFFICER)
        # unsigned: refused; signed by a box of another site: nothing to see there
        http.auth = None
        assert http.get("/api/box/persons", params={"q": NEW_ID}).status_code == 401
        far = register_box(central.sessions, "far-desk", site="gulou")
        http.auth = DeviceAuth("far-desk", far)
        assert http.get("/api/box/persons", params={"q": NEW_ID}).json() == []
        assert http.get(f"/api/box/persons/{pid}/dossier").status_code == 403
