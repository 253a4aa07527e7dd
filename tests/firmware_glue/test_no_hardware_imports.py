"""Importing any firmware_glue module needs no hardware library."""

from __future__ import annotations

import subprocess
import sys

MODULES = [
    "buttons", "buzzer", "camera", "fakes", "frames", "media", "microphone", "pinmap", "watchdog",
]  # fmt: skip


def test_importing_drivers_loads_no_hardware_library() -> None:
    code = (
        "import sys\n"
        + "".join(f"import firmware_glue.{m}\n" for m in MODULES)
        + "hw = ('picamera2', 'sounddevice', 'lgpio', 'libcamera')\n"
        + "bad = [m for m in hw if m in sys.modules]\n"
        + "assert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
