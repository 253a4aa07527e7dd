"""The touchscreen as an attacker at the desk (or a page in the kiosk browser) meets
it: the published demo PIN, PIN guessing, and forged form posts."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from appliance.box import Box
from appliance.config import parse_config
from appliance.officers import NoOfficerCredentials, hash_pin
from appliance.simulate import DEMO_PIN
from appliance.transport import MemoryTransport
from appliance.ui.app import create_app
from appliance.ui.cli import build_desk, cmd_ui, officer_directory
from appliance.ui.config import UiConfig
from appliance.ui.hooks import FakeRecorder
from firmware_glue.fakes import FakeRatingPanel

from .helpers import OFFICER, PIN, KioskClient, Rig, make_rig

REAL_PIN = "913572"


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    r = make_rig(tmp_path)
    yield r
    r.close()


def provisioned_box(tmp: Path, **officer: Any) -> Box:
    """A box as installed from a provisioning bundle: its [officer] table as given."""
    data: dict[str, Any] = {"site": "minhou", "device": "desk-2", "data_dir": str(tmp / "box")}
    data["officer"] = officer
    return Box(parse_config(data, base_dir=tmp), transport=MemoryTransport())


def test_the_demo_pin_is_refused_on_a_provisioned_box(tmp_path: Path) -> None:
    box = provisioned_box(
        tmp_path, pin_hashes={"officer-7": hash_pin(REAL_PIN)}, names={"officer-7": "王检察官"}
    )
    panel = FakeRatingPanel()
    from appliance.central_client import FakeCentralClient

    desk = build_desk(
        box, UiConfig(), panel=panel, central=FakeCentralClient(), recorder=FakeRecorder()
    )
    try:
        with KioskClient(create_app(desk)) as c:
            for officer in ("officer-demo", "officer-7"):  # the demo id, and a real one
                r = c.post("/signin", data={"officer_id": officer, "pin": DEMO_PIN})
                assert "工号或 PIN 不正确" in r.text and desk.officer_id is None
            r = c.post("/signin", data={"officer_id": "officer-7", "pin": REAL_PIN})
            assert desk.officer_id == "officer-7"
            assert "承办人 王检察官" in r.text and "承办人 officer-7" not in r.text
    finally:
        panel.close()
        desk.cache.close()


def test_no_credentials_no_touchscreen_outside_fake_hardware(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box = provisioned_box(tmp_path)  # a bundle without [officer] pin_hashes
    with pytest.raises(NoOfficerCredentials):
        officer_directory(box, demo=False)
    assert officer_directory(box, demo=True).knows("officer-demo")  # the demo may
    (tmp_path / "box.toml").write_text(
        f'site = "minhou"\ndevice = "desk-2"\ndata_dir = "{tmp_path / "box2"}"\n'
        "[mqtt]\nallow_plain_mqtt = true\n",
        "utf-8",
    )
    args = argparse.Namespace(
        config=tmp_path / "box.toml", ui_config=None, fake_hardware=False, fake_frames=None,
        fake_audio=None, fake_central=True,
    )  # fmt: skip
    assert cmd_ui(args) == 2  # refused before any hardware or port is touched
    assert "pin_hashes" in capsys.readouterr().err
    (tmp_path / "box.toml").write_text(
        f'site = "minhou"\ndevice = "desk-2"\ndata_dir = "{tmp_path / "box2"}"\n', "utf-8"
    )
    assert cmd_ui(args) == 2  # no TLS and no word that plain MQTT is meant: a clean refusal
    assert "refusing plain MQTT" in capsys.readouterr().err


def test_pin_brute_force_is_throttled_per_officer_and_locks_are_events(rig: Rig) -> None:
    now = [1_790_000_000_000]
    rig.desk.pin_throttle.clock_ms = lambda: now[0]
    with KioskClient(create_app(rig.desk)) as c:
        for i in range(5):
            r = c.post("/signin", data={"officer_id": OFFICER, "pin": f"00000{i}"})
        assert "已暂停登录" in r.text
        r = c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})  # the right one
        assert "已暂停登录" in r.text and rig.desk.officer_id is None
        assert f'value="{OFFICER}"' in r.text  # what was typed stays
        locks = [b for t, b in rig.events() if t == "officer.locked_out"]
        assert len(locks) == 1 and locks[0]["scope"] == "officer" and locks[0]["failures"] == 5
        assert locks[0]["locked_until"] == now[0] + 60_000
        now[0] += 61_000
        c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        assert rig.desk.officer_id == OFFICER  # after the lock, the right PIN works


def test_pin_guessing_across_ids_locks_the_desk(rig: Rig) -> None:
    with KioskClient(create_app(rig.desk)) as c:
        for i in range(10):
            c.post("/signin", data={"officer_id": f"guess-{i % 3}", "pin": "123456"})
        r = c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        assert "本机已暂停 PIN 登录" in r.text and rig.desk.officer_id is None
    scopes = [b["scope"] for t, b in rig.events() if t == "officer.locked_out"]
    assert scopes.count("desk") == 1


def test_switching_the_box_off_and_on_keeps_the_pin_locks(tmp_path: Path) -> None:
    first = make_rig(tmp_path)
    try:
        with KioskClient(create_app(first.desk)) as c:
            for i in range(10):
                c.post("/signin", data={"officer_id": f"guess-{i % 3}", "pin": "123456"})
    finally:
        first.close()
    again = make_rig(tmp_path)  # the same data folder: the same outbox file
    try:
        with KioskClient(create_app(again.desk)) as c:
            r = c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        assert "本机已暂停 PIN 登录" in r.text and again.desk.officer_id is None
        # an unreadable record (a torn write) does not stop the desk: counting starts afresh
        again.box.outbox.keep_state("pin_throttle", "{not json")
        desk = build_desk(again.box, UiConfig(), panel=again.panel, central=again.central,
                          recorder=again.recorder, demo=True)  # fmt: skip
        desk.pin_throttle.check("anyone")  # not locked: no PinLocked
        desk.cache.close()
    finally:
        again.close()


def test_a_kiosk_post_without_its_token_is_refused(rig: Rig) -> None:
    with TestClient(create_app(rig.desk)) as c:
        c.get("/signin")  # the browser has its session cookie, but the form no token
        r = c.post("/signin", data={"officer_id": OFFICER, "pin": PIN})
        assert r.status_code == 403 and "缺少校验码" in r.text
        r = c.post("/signin", data={"officer_id": OFFICER, "pin": PIN, "csrf_token": "0" * 64})
        assert r.status_code == 403
    assert rig.desk.officer_id is None


def test_a_post_from_a_foreign_origin_is_refused(rig: Rig) -> None:
    with KioskClient(create_app(rig.desk)) as c:
        r = c.post(
            "/signin",
            data={"officer_id": OFFICER, "pin": PIN},
            headers={"Origin": "http://evil.example"},
        )
        assert r.status_code == 403 and "其他网页" in r.text
        r = c.post(
            "/signin",
            data={"officer_id": OFFICER, "pin": PIN},
            headers={"Referer": "http://evil.example/page"},
        )
        assert r.status_code == 403
        assert rig.desk.officer_id is None
        c.post(
            "/signin", data={"officer_id": OFFICER, "pin": PIN}, headers={"Origin": str(c.base_url)}
        )
        assert rig.desk.officer_id == OFFICER  # the kiosk's own page is fine


def test_every_post_form_carries_its_token(rig: Rig) -> None:
    import re

    with KioskClient(create_app(rig.desk)) as c:
        pages = [c.get("/signin").text]
        pages.append(c.post("/signin", data={"officer_id": OFFICER, "pin": PIN}).text)
        pages.append(c.post("/reception/start", data={"kind": "group", "visitors": "2"}).text)
        pages.append(
            c.post(
                "/reception/identify",
                data={"id_number": "110105198503151230", "township": "甘蔗街道"},
            ).text
        )
        pages.append(c.post("/reception/party/done").text)
        pages += [c.get(u).text for u in ("/reception/cancel", "/reception/consent")]
    forms = [f for p in pages for f in re.findall(r"<form[^>]*>.*?</form>", p, re.S)]
    posts = [f for f in forms if 'method="post"' in f]
    assert len(posts) >= 8
    assert all('name="csrf_token"' in f for f in posts)


def test_the_kept_pin_counts_stay_small(tmp_path: Path) -> None:
    from appliance.ui.throttle import MAX_IDS, PinThrottle

    rig = make_rig(tmp_path)
    try:
        t = PinThrottle(lambda body: None, lambda: 1_790_000_000_000, per_desk=10**9,
                        store=rig.box.outbox)  # fmt: skip
        for i in range(MAX_IDS + 50):  # a guesser typing ever new ids
            t.failed(f"guess-{i}")
        kept = PinThrottle(lambda body: None, lambda: 1_790_000_000_000, store=rig.box.outbox)
        assert len(kept._officers) == MAX_IDS and "guess-0" not in kept._officers
        assert kept._officers[f"guess-{MAX_IDS + 49}"].failures == 1  # the newest stay
    finally:
        rig.close()
