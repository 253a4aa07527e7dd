"""Test helpers: our own Mosquitto on a free port, and a recording subscriber."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from .conftest import unique, wait_for

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Mosquitto:
    """A private broker: ``listener PORT 127.0.0.1``, persistence on, optional ACL."""

    def __init__(self, workdir: Path, *, acl: str | None = None, tls: Path | None = None) -> None:
        if not Path(MOSQUITTO).exists():
            pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        lines = [f"listener {self.port} 127.0.0.1"]
        if tls is None:
            lines.append("allow_anonymous true")
        else:  # client certificates; the certificate's CN is the MQTT user name
            lines += [
                f"cafile {tls / 'ca.pem'}",
                f"certfile {tls / 'server.pem'}",
                f"keyfile {tls / 'server.key'}",
                "require_certificate true",
                "use_identity_as_username true",
            ]
        lines += [
            "persistence true",
            f"persistence_location {workdir}/",
            "log_dest stdout",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to 'mosquitto', which cannot write here
        if acl is not None:
            (workdir / "acl").write_text(acl)
            lines.append(f"acl_file {workdir / 'acl'}")
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Mosquitto:
        log = open(self.workdir / "mosquitto.log", "ab")  # noqa: SIM115 (kept by the child)
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=log, stderr=log)
        wait_for(lambda: port_open(self.port), 10, f"mosquitto on port {self.port}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool


class Subscriber:
    """A persistent-session QoS 1 subscriber that records everything it gets."""

    def __init__(
        self, port: int, topic_filter: str, *, client_id: str | None = None, persistent: bool = True
    ) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.topic_filter = topic_filter
        c = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or unique("sub"),
            protocol=mqtt.MQTTv5,
        )
        c.on_message = self._on_message
        c.on_connect = lambda cl, *_: cl.subscribe(topic_filter, qos=1)
        c.on_subscribe = lambda *_: self._subscribed.set()
        c.reconnect_delay_set(1, 2)
        props = mqtt.Properties(mqtt.PacketTypes.CONNECT)
        props.SessionExpiryInterval = 300 if persistent else 0
        c.connect("127.0.0.1", port, keepalive=10, clean_start=not persistent, properties=props)
        c.loop_start()
        self.client = c
        if not self._subscribed.wait(10):
            raise AssertionError(f"subscriber could not subscribe to {topic_filter}")

    def _on_message(self, client: object, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(Received(msg.topic, bytes(msg.payload), bool(msg.retain)))

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retained(port: int, topic: str, timeout: float = 5.0) -> bytes | None:
    """The retained message on ``topic`` as a new subscriber sees it."""
    sub = Subscriber(port, topic, persistent=False)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = sub.on(topic)
            if got:
                return got[-1].payload
            time.sleep(0.02)
        return None
    finally:
        sub.close()
