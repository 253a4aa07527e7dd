"""`zhifang appliance run` under a (fake) systemd: READY=1, then WATCHDOG=1, then STOPPING=1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path


def test_the_box_app_tells_systemd_it_is_ready_and_alive(tmp_path: Path) -> None:
    notify = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify))
    sock.settimeout(30)
    conf = tmp_path / "box.toml"
    # the broker port is closed: the box keeps retrying, and is alive all the same
    conf.write_text(
        'site = "minhou"\ndevice = "desk-01"\ndata_dir = "data"\n'
        "[mqtt]\nport = 9\nallow_plain_mqtt = true\n"  # no TLS here: said so explicitly
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))}
    env |= {"NOTIFY_SOCKET": str(notify), "WATCHDOG_USEC": "1000000"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zhifang.cli",
            "appliance",
            "run",
            "--config",
            str(conf),
            "--log-level",
            "ERROR",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        got = [sock.recv(4096).decode() for _ in range(3)]
        assert got[0].split("\n")[0] == "READY=1"
        assert got[1:] == ["WATCHDOG=1", "WATCHDOG=1"]
        proc.send_signal(signal.SIGTERM)
        while (msg := sock.recv(4096).decode()) == "WATCHDOG=1":
            pass
        assert msg == "STOPPING=1"
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
