"""The unit files pass ``systemd-analyze verify`` and say what DESIGN.md asks of them.

verify needs every ExecStart program to exist: the test copies the units into a temp
folder with the install paths (/opt/zhifang/venv/bin/zhifang, /usr/bin/cage) pointed
at stub executables, and demands no output at all (unknown keys only warn).
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"
STUBS = {"/opt/zhifang/venv/bin/zhifang": "zhifang", "/usr/bin/cage": "cage"}
MOSQUITTO_UNIT = Path("/lib/systemd/system/mosquitto.service")

CASES = [
    "zhifang-box.service",
    "zhifang-kiosk.service",
    "zhifang-central.service",
    "zhifang-ingest@2.service",  # an instance of the template
    "zhifang-crl.service",
    "zhifang-crl.timer",
]


@pytest.fixture
def unit_dir(tmp_path: Path) -> Path:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    (tmp_path / "bin").mkdir()
    for name in STUBS.values():
        stub = tmp_path / "bin" / name
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    for unit in UNITS.iterdir():
        if unit.is_file():
            text = unit.read_text()
            for real, name in STUBS.items():
                text = text.replace(real, str(tmp_path / "bin" / name))
            (tmp_path / unit.name).write_text(text)
    return tmp_path


def verify(folder: Path, unit: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", unit], cwd=folder, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("unit", CASES)
def test_unit_verifies_cleanly(unit_dir: Path, unit: str) -> None:
    r = verify(unit_dir, unit)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr


def test_a_broken_unit_is_caught(unit_dir: Path) -> None:
    (unit_dir / "broken.service").write_text("[Service]\nExecStart=/nonexistent/x\nBogus=1\n")
    r = verify(unit_dir, "broken.service")
    assert r.returncode != 0 or r.stderr


def test_the_broker_drop_in_verifies_on_debians_mosquitto_unit(unit_dir: Path) -> None:
    if not MOSQUITTO_UNIT.exists():
        pytest.skip("mosquitto's unit is not installed (apt-get install mosquitto)")
    shutil.copy(MOSQUITTO_UNIT, unit_dir / "mosquitto.service")
    shutil.copytree(UNITS / "mosquitto.service.d", unit_dir / "mosquitto.service.d")
    r = verify(unit_dir, "./mosquitto.service")
    assert r.returncode == 0 and r.stderr == "", r.stderr


def service(name: str) -> configparser.SectionProxy:
    p = configparser.ConfigParser(strict=False, interpolation=None)
    p.optionxform = str  # type: ignore[assignment,method-assign]
    p.read_string((UNITS / name).read_text())
    return p["Service"]


def test_the_box_app_is_watched_restarted_and_confined() -> None:
    s = service("zhifang-box.service")
    assert s["Type"] == "notify" and int(s["WatchdogSec"]) > 0
    assert s["Restart"] == "on-failure"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "DevicePolicy": "closed",
    }.items():
        assert s[key] == value, key
    assert set(s["SupplementaryGroups"].split()) == {"gpio", "video", "audio"}
    assert "/var/lib/zhifang" in s["ReadWritePaths"]
    text = (UNITS / "zhifang-box.service").read_text()
    for dev in ("char-gpiochip", "char-video4linux", "char-media", "char-alsa"):
        assert f"DeviceAllow={dev} rw" in text


def test_the_kiosk_shows_the_box_ui_after_the_box() -> None:
    text = (UNITS / "zhifang-kiosk.service").read_text()
    assert "After=zhifang-box.service" in text
    s = service("zhifang-kiosk.service")
    assert "--kiosk" in s["ExecStart"] and "${ZHIFANG_UI_URL}" in s["ExecStart"]
