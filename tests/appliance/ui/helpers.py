"""A desk on fake hardware: a real outbox, a memory broker, a fake central."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from appliance.box import Box
from appliance.central_client import FakeCentralClient, Timeline
from appliance.config import parse_config
from appliance.simulate import DEMO_PIN, demo_directory
from appliance.transport import MemoryTransport
from appliance.ui.cli import build_desk
from appliance.ui.config import UiConfig
from appliance.ui.desk import Desk
from appliance.ui.guard import COOKIE, FIELD
from appliance.ui.hooks import FakeBiometrics, FakeRecorder
from firmware_glue.fakes import FakeRatingPanel

# What one reception on the touchscreen writes to the outbox, in order.
RECEPTION_EVENTS = [
    "reception.started",
    "identity.checked",  # the officer: how they signed in (PIN here)
    "identity.checked",  # the petitioner
    "workflow.step",
    "workflow.step",
    "workflow.step",
    "rating.given",
    "reception.ended",
]
OFFICER = "officer-7"
PIN = DEMO_PIN
# Fictitious returning petitioner (valid GB 11643 check digit) and her dossier at central.
LISI_ID = "110105198503151230"
LISI_PHONE = "13900000001"
NEW_ID = "110105199001010010"


# 李四's open matter at central (from her visit of 12 October), for returning-visit tests
LISI_MATTER = {
    "id": "0199d6a0-7a10-7000-8000-00000000a001",
    "status": "accepted",
    "summary": "不服民事判决，申请监督（第二次）",
    "officer_id": "officer-3",
    "registered_at": "2026-10-12T02:31:00Z",
    "risk_level": "medium",
    "role": "petitioner",
    "open": True,
}


def lisi_timeline(*, matters: list[dict[str, Any]] | None = None) -> Timeline:
    return Timeline.model_validate(
        {
            "person": {
                "id": "p-lisi",
                "name": "李四",
                "id_number_masked": "110105****1230",
                "township": "甘蔗街道",
            },
            "matters": matters or [],
            "receptions": [
                {
                    "id": "r-2",
                    "started_at": "2026-10-12T02:30:00Z",
                    "officer_id": "officer-3",
                    "rating": "dissatisfied",
                    "risk_level": "medium",
                    "risk_reason": "多次来访未息诉",
                    "steps": [
                        {
                            "step": "register",
                            "at": "2026-10-12T02:31:00Z",
                            "fields": {"request": "不服民事判决，申请监督（第二次）"},
                        },
                        {"step": "notify", "at": "2026-10-12T02:35:00Z"},
                        {
                            "step": "accept",
                            "at": "2026-10-12T02:40:00Z",
                            "fields": {"reason": "属本院管辖"},
                        },
                    ],
                },
                {
                    "id": "r-1",
                    "started_at": "2026-06-03T01:00:00Z",
                    "officer_id": "officer-1",
                    "rating": "basically_satisfied",
                    "steps": [
                        {
                            "step": "register",
                            "at": "2026-06-03T01:02:00Z",
                            "fields": {"request": "不服民事判决，申请监督"},
                        },
                        {"step": "reply", "at": "2026-06-20T01:00:00Z"},
                    ],
                },
            ],
        }
    )


@dataclass
class Rig:
    box: Box
    transport: MemoryTransport
    panel: FakeRatingPanel
    central: FakeCentralClient
    recorder: FakeRecorder
    bio: FakeBiometrics
    desk: Desk

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        return [(e.type, json.loads(e.wire)["body"]) for e in self.box.outbox.all_events()]

    def close(self) -> None:
        self.panel.close()
        self.desk.cache.close()
        self.box.stop()


def make_rig(tmp: Path, *, auto_ack: bool = True) -> Rig:
    cfg = parse_config(
        {"site": "minhou", "device": "desk-1", "data_dir": str(tmp / "box")}, base_dir=tmp
    )
    transport = MemoryTransport(auto_ack=auto_ack)
    box = Box(cfg, transport=transport).start()
    panel = FakeRatingPanel()
    central = FakeCentralClient().add(lisi_timeline(), id_number=LISI_ID, phone=LISI_PHONE)
    recorder = FakeRecorder()
    bio = FakeBiometrics(enrolled={"p-lisi"}, officers={OFFICER})
    desk = build_desk(box, UiConfig(), panel=panel, central=central, recorder=recorder, demo=True)
    desk.officers = demo_directory(OFFICER, PIN)
    desk.biometrics = bio
    return Rig(box, transport, panel, central, recorder, bio, desk)


def body_json(body: object) -> str:
    return json.dumps(body, ensure_ascii=False)


class KioskClient(TestClient):
    """The kiosk browser over HTTP: every POST carries the page's CSRF token, as the
    pages' forms do (the guard refuses a POST without it)."""

    def post(self, url: Any, *, data: Any = None, **kw: Any) -> Any:  # type: ignore[override]
        if COOKIE not in self.cookies:
            self.get("/signin")
        token = self.app.state.guard.token(self.cookies[COOKIE])  # type: ignore[attr-defined]
        return super().post(url, data=dict(data or {}) | {FIELD: token}, **kw)
