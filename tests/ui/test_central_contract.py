"""Box ↔ central contract: a reception done on the touchscreen reaches central's
dossier, and the next visit's look-up (ID number or phone) finds it over HTTP.

Uses the real central app (SQLite) and ingestor; the box talks to it through
``HttpCentralClient`` on central's own ASGI test client (no sockets).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from appliance.central_client import HttpCentralClient, PersonNotFound
from appliance.http_auth import DeviceAuth
from appliance.ui.app import create_app as ui_app
from tests.auth import production_settings

from .helpers import OFFICER, PIN, Rig, make_rig

pytest.importorskip("central.app")

NEW_ID = "110105199001010010"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


def test_touchscreen_reception_is_found_on_the_next_visit(rig: Rig, tmp_path: Path) -> None:
    from central.app import create_app
    from central.database import make_engine, make_session_factory, migrate
    from central.devices import service as devices
    from central.devices.schemas import DeviceCreate
    from central.ingest.ingestor import Incoming, Ingestor
    from central.ingest.projection import IdKeys

    settings = production_settings(
        database_url=f"sqlite:///{tmp_path / 'central.db'}",
        data_dir=tmp_path / "central",
        ingest_group=f"t{uuid.uuid4().hex[:8]}",
    )
    engine = make_engine(settings, write_immediate=True)
    migrate(engine)
    sessions = make_session_factory(engine)
    cfg = rig.box.config
    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name=cfg.device, site=cfg.site, public_key=rig.box.public_key_b64)
        )

    # visit 1 on the touchscreen: a new person, by ID number and phone
    with TestClient(ui_app(rig.desk)) as box_ui:
        box_ui.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        box_ui.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
        r = box_ui.post("/reception/identify", data={"id_number": NEW_ID, "name": "王五"})
        assert "首次来访" in r.text
        box_ui.post(
            "/reception/step/register",
            data={"request": "举报线索", "category": "举报", "source": "来访"},
        )
        box_ui.post(
            "/reception/step/notify",
            data={"told_scope": "1", "told_deadline": "1", "told_review": "1"},
        )
        box_ui.post("/reception/step/transfer", data={"target_organ": "某某区公安分局"})
        box_ui.post("/reception/rate")
        rig.panel.press("satisfied")

    # central ingests exactly what the box's outbox holds
    ingestor = Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
    )
    topic = f"zhifang/v1/{cfg.site}/{cfg.device}/event"
    now = datetime.now(UTC)
    ingestor.process([Incoming(topic, e.wire, now) for e in rig.box.outbox.all_events()])

    with TestClient(create_app(settings, engine=engine)) as http:
        http.auth = DeviceAuth(cfg.device, rig.box.key)  # as the box signs every request
        central = HttpCentralClient(http)
        pid = central.find_person(id_number=NEW_ID, officer_id=OFFICER)
        t = central.timeline(pid, officer_id=OFFICER, reason="接待时调取来访人档案")
        assert t.person.name == "王五" and len(t.receptions) == 1
        steps = [s.step for s in t.receptions[0].steps]
        assert steps == ["register", "notify", "transfer"]
        assert t.receptions[0].rating == "satisfied"
        assert t.receptions[0].steps[2].fields["target_organ"] == "某某区公安分局"
        with pytest.raises(PersonNotFound):
            central.find_person(id_number="110105198503151230", officer_id=OFFICER)
        # the same look-up unsigned, or by a box of another site: refused / not shown
        http.auth = None
        assert http.get("/api/box/persons", params={"q": NEW_ID}).status_code == 401
        from tests.auth import register_box

        far = register_box(sessions, "far-desk", site="gulou")
        http.auth = DeviceAuth("far-desk", far)
        assert (
            HttpCentralClient(http)
            and http.get("/api/box/persons", params={"q": NEW_ID}).json() == []
        )
        assert http.get(f"/api/box/persons/{pid}/timeline").status_code == 403
    engine.dispose()
