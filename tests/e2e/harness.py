"""Real parts for end-to-end and fault tests: a private Mosquitto that a test may
kill and restart, a TCP link between box and broker that a test may cut, and
processes of our own command line."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, *, up: bool = True, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'} in {timeout}s")


class Broker:
    """A Mosquitto of the test's own, with persistence, on a free port."""

    def __init__(self, workdir: Path, *, extra_conf: str = "") -> None:
        if not Path(MOSQUITTO).exists():
            raise RuntimeError("mosquitto is not installed (make test installs it)")
        self.port = free_port()
        self.dir = workdir
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {workdir}/data/\nautosave_interval 1\n"
            f"max_queued_messages 1000000\nmax_inflight_messages 0\n"
            f"log_dest file {workdir}/mosquitto.log\n{extra_conf}"
            # as root, mosquitto would drop to its own user, who cannot enter pytest's
            # private tmp dirs: a test broker keeps the test's user
            + ("user root\n" if os.geteuid() == 0 else "")
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)])
        wait_port(self.port)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        wait_port(self.port, up=False)

    def restart(self) -> None:
        self.stop()
        self.start()


class CuttableLink:
    """A TCP relay from a local port to the broker; ``cut()`` drops every
    connection and refuses new ones until ``restore()`` — a pulled network cable
    as the box sees it."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.port = free_port()
        self._up = threading.Event()
        self._up.set()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._up.clear()
        with self._lock:
            for s in self._conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self._conns.clear()

    def restore(self) -> None:
        self._up.set()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._server.close()


def zhifang(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen[bytes]:
    """Start ``zhifang ARGS`` as its own process (so a test can SIGKILL it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "zhifang", *args], env={**os.environ, **(env or {})}, **kw
    )
