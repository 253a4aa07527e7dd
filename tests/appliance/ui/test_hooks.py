"""The recording badge over the real recorder and spool; the CLI's refusals."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.recording.recorder import Recorder, record_synthetic_reception
from appliance.recording.spool import Spool
from appliance.ui import cli as ui_cli
from appliance.ui.config import UiConfigError, load_ui_config
from appliance.ui.hooks import SpoolRecorder


def test_badge_counts_sealed_segments_not_yet_acknowledged(tmp_path: Path) -> None:
    rec = Recorder(
        Spool(tmp_path / "spool", limit_bytes=50_000_000),
        key=Ed25519PrivateKey.generate(),
        device="desk-1",
    )
    badge = SpoolRecorder(rec)
    assert badge.status().recording is False and badge.status().segments_spooled == 0
    rid = str(uuid.uuid4())
    badge.start(rid)
    assert badge.status().recording is True
    manifests = record_synthetic_reception(rec, rid, t0_ms=1_800_000_000_000, seconds=4)
    badge.stop()
    st = badge.status()
    assert st.recording is False and st.segments_spooled == len(manifests) > 0
    rec.spool.ack(manifests[0], b"receipt")
    assert badge.status().segments_spooled == len(manifests) - 1


def test_ui_config_from_the_ui_table(tmp_path: Path) -> None:
    f = tmp_path / "ui.toml"
    f.write_text("[ui]\nreply_days = 5\nreply_working_days = true\n", "utf-8")
    cfg = load_ui_config(f)
    assert cfg.reply_days == 5 and cfg.reply_working_days
    f.write_text("[ui]\nreply_dayz = 5\n", "utf-8")
    with pytest.raises(UiConfigError, match="reply_dayz"):
        load_ui_config(f)
    assert load_ui_config(None).reply_days == 7


def test_cli_refuses_without_a_central(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    box = tmp_path / "box.toml"
    box.write_text(f'site = "minhou"\ndevice = "desk-1"\ndata_dir = "{tmp_path / "d"}"\n', "utf-8")
    parser = argparse.ArgumentParser()
    ui_cli.register(parser.add_subparsers())
    args = parser.parse_args(["ui", "--config", str(box)])
    assert args.func(args) == 2
    assert "central_url" in capsys.readouterr().err


def test_watchdog_ready_and_pinged_from_the_event_loop(tmp_path: Path) -> None:
    import time

    from appliance.ui.app import create_app
    from firmware_glue.watchdog import FakeWatchdog

    from .helpers import KioskClient, make_rig

    rig = make_rig(tmp_path)
    wd = FakeWatchdog(interval_s=0.05)
    try:
        with KioskClient(create_app(rig.desk, watchdog=wd)) as c:
            deadline = time.monotonic() + 5
            while not wd.sent("WATCHDOG") and time.monotonic() < deadline:
                c.get("/api/state")
                time.sleep(0.05)
        assert wd.sent("READY") and wd.sent("WATCHDOG") and wd.sent("STOPPING")
        assert any("空闲" in s for s in wd.sent("STATUS"))
    finally:
        rig.close()
