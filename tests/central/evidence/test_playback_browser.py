"""In Debian's chromium: an officer opens a reception recorded by the demo's synthetic
camera (Y4M) and the console's <video> plays the derived WebM copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from appliance.recording.recorder import Recorder, record_synthetic_reception
from appliance.recording.spool import Spool
from appliance.recording.upload import HttpEvidenceClient, Uploader
from central.audit.models import AuditLog
from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from protocol import keys
from tests.auth import box_client
from tests.browser import ARGS, CHROMIUM, central_app, need_chromium, serve
from tests.central.accounts.helpers import PASSWORD, add_user
from tests.central.dossier.helpers import add_person, add_reception

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Central with one recorded, uploaded reception, served by uvicorn."""
    need_chromium()
    pytest.importorskip("av")
    with central_app(tmp_path) as (app, settings, sessions):
        yield from _recorded(app, settings, sessions, tmp_path)


def _recorded(app: Any, settings: Any, sessions: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    key = Ed25519PrivateKey.generate()
    with sessions.begin() as s:
        devices.register(
            s, data=DeviceCreate(name="desk-1", site="minhou", public_key=keys.public_key_b64(key))
        )
    add_user(sessions, "zhang", "officer", display_name="张检察官")
    rid = add_reception(sessions, add_person(sessions, settings, "李明"))
    rec = Recorder(Spool(tmp_path / "spool", limit_bytes=10**8), key=key, device="desk-1")
    manifests = record_synthetic_reception(rec, rid, t0_ms=1_800_000_000_000, seconds=4)
    with box_client(app, "desk-1", key) as box:  # signed with the box's own key
        Uploader(rec.spool, HttpEvidenceClient(box)).run_once()

    with serve(app) as base:
        yield {"base": base, "rid": rid, "sessions": sessions, "m": manifests}


def test_the_video_of_a_y4m_segment_plays_in_the_console(live: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    base, rid = live["base"], live["rid"]
    video = live["m"][0].manifest
    assert (video.media, video.container) == ("video", "y4m")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{base}/console/receptions/{rid}")
        page.fill("#username", "zhang")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("text=录音录像")
        players = page.locator("video[data-testid=segment-video]")
        assert players.count() == 2  # the two video segments of the 4-second demo
        assert page.locator(f"a[download][href*='{video.sha256}']").count() == 1  # still offered
        assert "不是证据" in page.inner_text("main")
        first = players.first
        # preload="none" on the page: nothing is fetched (or audited) until someone plays
        first.evaluate("v => { v.muted = true; v.preload = 'metadata'; v.load(); }")
        page.wait_for_function(
            "v => v.readyState >= 1 || v.error", arg=first.element_handle(), timeout=15000
        )
        state = first.evaluate("v => [v.readyState, v.duration, v.error && v.error.code]")
        browser.close()
    ready, duration, error = state
    assert error is None and ready >= 1
    assert duration == pytest.approx((video.end_ms - video.start_ms) / 1000, abs=0.2)
    with live["sessions"]() as s:
        played = s.scalars(select(AuditLog).where(AuditLog.action == "recording.play")).all()
        assert played and {a.actor for a in played} == {"zhang"}
        assert {a.target for a in played} == {f"segment:{video.sha256}"}
