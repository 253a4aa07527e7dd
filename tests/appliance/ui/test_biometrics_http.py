"""Face at the touchscreen, on the real models: consent → enrol → verify over HTTP, with
ORL photos played as the camera (``firmware_glue.frames.ImageFileFrameSource``).

The prompt of each liveness challenge is on the page before anything is captured; the
ID-number route stays on every page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appliance.ui.app import create_app

from .helpers import LISI_ID, OFFICER, PIN, KioskClient, Rig, make_rig

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def faces_dir() -> Path:
    d = Path(os.environ.get("ZHIFANG_DATASETS", REPO / ".." / "shared" / "datasets")) / "faces"
    if not (d / "s1").is_dir():
        pytest.skip(f"ORL faces not found at {d} (set ZHIFANG_DATASETS)")
    return d


@pytest.fixture(scope="module")
def face_engine() -> Any:
    pytest.importorskip("cv2", reason="opencv-python-headless not installed")
    from appliance.identity.face import FaceEngine
    from models.registry import ModelError

    try:
        return FaceEngine.load()
    except ModelError as e:
        pytest.skip(f"face models unavailable: {e}")


@dataclass
class Station:
    rig: Rig
    client: TestClient
    camera: Any
    bio: Any
    faces: Path

    def show(self, subject: str, photos: list[int]) -> None:
        self.camera.show_files([self.faces / subject / f"{i}.pgm" for i in photos])

    def types(self) -> list[str]:
        return [t for t, _ in self.rig.events()]


@pytest.fixture
def station(face_engine: Any, faces_dir: Path, tmp_path: Path) -> Iterator[Station]:
    from appliance.identity.biometrics import CameraBiometrics
    from appliance.identity.config import IdentityConfig
    from appliance.identity.desk import DeskIdentity
    from appliance.identity.face import pad_small
    from appliance.identity.service import IdentityService
    from appliance.identity.templates import TemplateStore
    from firmware_glue.frames import ImageFileFrameSource

    rig = make_rig(tmp_path)
    store = TemplateStore(tmp_path / "templates.sqlite3", key=os.urandom(32), clock=lambda: 1)
    rig.desk.identity = DeskIdentity(
        store=store, outbox=rig.box.outbox, device_key=rig.box.key, site="minhou",
        clock_ms=lambda: 1_790_000_000_000,
    )  # fmt: skip
    camera = ImageFileFrameSource(prepare=pad_small)
    svc = IdentityService(face=face_engine, store=store, cfg=IdentityConfig())
    bio = CameraBiometrics(service=svc, camera=camera, frames=6, interval_s=0)
    rig.desk.biometrics = bio
    try:
        with KioskClient(create_app(rig.desk)) as client:
            yield Station(rig, client, camera, bio, faces_dir)
    finally:
        rig.close()


def test_consent_enrol_verify_at_the_desk(station: Station) -> None:
    c = station.client
    c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    c.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    r = c.post("/reception/identify", data={"id_number": LISI_ID})
    assert 'data-testid="bio-link"' in r.text

    # before consent nothing can be enrolled, and the page says why
    r = c.post("/reception/biometrics/start", data={"kind": "enrol_face"})
    assert "未取得当事人单独同意" in r.text and station.camera.grabbed == 0

    r = c.post("/reception/consent", data={"decision": "accept", "face": "1"})
    assert "登记人脸" in r.text and "开始核验" not in r.text  # no template yet
    assert "改用身份证号/手机号" in r.text
    assert "consent.recorded" in station.types()

    station.bio.challenges = ("turn_left",)
    r = c.post("/reception/biometrics/start", data={"kind": "enrol_face"})
    assert "请缓慢向左转头，再转回正面" in r.text and "开始采集" in r.text
    assert station.camera.grabbed == 0  # the prompt is on screen; nothing captured yet
    assert "改用身份证号/手机号" in r.text
    station.show("s1", [8, 7, 4, 4, 7, 8])
    r = c.post("/reception/biometrics/capture")
    assert "已登记人脸" in r.text and "开始核验" in r.text

    station.bio.challenges = ("turn_right",)
    r = c.post("/reception/biometrics/start", data={"kind": "verify"})
    assert "请缓慢向右转头，再转回正面" in r.text
    station.show("s1", [1])  # a photo of her held up
    r = c.post("/reception/biometrics/capture")
    # a still photo fails liveness: on record as a rejected face check
    assert "照片" in r.text
    _, body = station.rig.events()[-1]
    assert (body["subject"], body["method"], body["outcome"]) == ("petitioner", "face", "rejected")

    r = c.post("/reception/biometrics/start", data={"kind": "verify"})
    station.show("s1", [1, 9, 10, 5, 10, 1])
    r = c.post("/reception/biometrics/capture")
    assert "人脸/声纹：核验通过" in r.text
    _, body = station.rig.events()[-1]
    assert (body["method"], body["outcome"]) == ("face", "verified")
    assert body["consent_id"] and body["score_permille"] > 900

    r = c.post("/reception/biometrics/start", data={"kind": "verify"})
    station.show("s23", [4, 7, 3, 2, 3, 4])  # someone else at the desk
    r = c.post("/reception/biometrics/capture")
    assert "核验未通过，请使用身份证号核验" in r.text
    _, body = station.rig.events()[-1]
    assert (body["method"], body["outcome"]) == ("face", "rejected")

    # deletion on request: the next check finds nothing, and says to use the ID number
    r = c.post("/reception/biometrics/delete", data={"reason": "request"})
    assert "已删除" in r.text
    c.post("/reception/consent", data={"decision": "accept", "face": "1"})
    r = c.get("/reception/biometrics")
    assert "登记人脸" in r.text and "开始核验" not in r.text
    assert station.types().count("biometric.deleted") == 1


def test_capture_without_the_prompt_is_refused(station: Station) -> None:
    c = station.client
    c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    c.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    c.post("/reception/identify", data={"id_number": LISI_ID})
    c.post("/reception/consent", data={"decision": "accept", "face": "1"})
    r = c.post("/reception/biometrics/capture")
    assert "请先按「开始」" in r.text and station.camera.grabbed == 0
    c.post("/reception/biometrics/start", data={"kind": "enrol_face"})
    r = c.post("/capture/cancel", data={"back": "/reception/biometrics"})
    assert "开始采集" not in r.text and "登记人脸" in r.text


def test_officer_signs_in_by_face_or_falls_back_to_pin(station: Station) -> None:
    from appliance.officers import badge_person_id
    from firmware_glue.frames import ImageFileFrameSource

    badge = badge_person_id(OFFICER)
    ident = station.rig.desk.identity
    assert ident is not None
    ident.give_consent(person_id=badge, scopes=["face"], officer_id=OFFICER)
    photos = ImageFileFrameSource(
        [station.faces / "s3" / f"{i}.pgm" for i in (1, 6, 9)], prepare=station.camera.prepare
    )
    station.bio.service.enrol_face(badge, photos.capture(3))  # `identity enrol-officer`
    station.bio.challenges = ("turn_right",)
    c = station.client

    r = c.post("/signin/face", data={"officer_id": OFFICER})
    assert "请缓慢向右转头，再转回正面" in r.text and "改用 PIN 登录" in r.text
    station.show("s23", [4, 7, 3, 2, 3, 4])  # not the officer
    r = c.post("/signin/face/capture", data={"officer_id": OFFICER})
    assert "人脸核验未通过，请使用 PIN 登录" in r.text and 'name="pin"' in r.text

    c.post("/signin/face", data={"officer_id": OFFICER})
    station.show("s3", [5, 1, 2, 2, 1, 5])
    r = c.post("/signin/face/capture", data={"officer_id": OFFICER})
    assert "开始接待" in r.text and station.rig.desk.officer_id == OFFICER


def test_consent_not_in_the_template_store_still_refuses_enrolment(station: Station) -> None:
    """A consent the store never saw (here: a desk wired without DeskIdentity, so the
    record only went to the cache) cannot open enrolment: the store has the last word."""
    c = station.client
    station.rig.desk.identity = None
    c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
    c.post("/reception/start", data={"kind": "walk_in", "visitors": "1"})
    c.post("/reception/identify", data={"id_number": LISI_ID})
    c.post("/reception/consent", data={"decision": "accept", "face": "1"})
    station.bio.challenges = ("turn_left",)
    c.post("/reception/biometrics/start", data={"kind": "enrol_face"})
    station.show("s1", [8, 7, 4, 4, 7, 8])
    r = c.post("/reception/biometrics/capture")
    assert "未取得当事人对人脸的单独同意，不能登记" in r.text
    assert station.camera.grabbed == 0 and station.bio.enrolled("p-lisi") == frozenset()
