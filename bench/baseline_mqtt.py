"""The raw broker rate: a bare paho QoS 1 publisher process → Mosquitto → a bare paho
QoS 1 subscriber process.

Publisher and subscriber are separate processes, as the box and central are, so the
baseline gets the same parallelism as the pipeline it is compared with. It is the
ceiling any ingest can reach on this machine and broker, measured in the same run.

Run as ``python -m bench.baseline_mqtt pub|sub PORT COUNT SIZE TOPIC``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def _client(role: str) -> mqtt.Client:
    return mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"raw-{role}-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )  # fmt: skip


def _sub(port: int, count: int, topic: str) -> None:
    done = threading.Event()
    got = 0
    last = 0.0

    def on_message(_c: object, _u: object, _m: object) -> None:
        nonlocal got, last
        got += 1
        if got >= count:
            last = time.time()
            done.set()

    c = _client("sub")
    c.on_message = on_message
    subscribed = threading.Event()
    c.on_subscribe = lambda *a: subscribed.set()
    c.connect("127.0.0.1", port)
    c.subscribe(topic, qos=1)
    c.loop_start()
    subscribed.wait(10)
    print("ready", flush=True)
    if not done.wait(600):
        print(f"incomplete {got}", flush=True)
        sys.exit(1)
    print(f"last {last:.6f}", flush=True)
    c.loop_stop()


def _pub(port: int, count: int, size: int, topic: str, inflight: int = 100) -> None:
    c = _client("pub")
    c.max_inflight_messages_set(inflight)
    c.connect("127.0.0.1", port)
    c.loop_start()
    payload = b"x" * size
    print(f"first {time.time():.6f}", flush=True)
    infos = [c.publish(topic, payload, qos=1) for _ in range(count)]
    infos[-1].wait_for_publish(600)
    c.loop_stop()


def raw_rate(port: int, *, count: int, size: int) -> float:
    """Messages per second from the first publish to the last delivery."""
    topic = f"bench/raw/{uuid.uuid4().hex}"
    me = [sys.executable, "-m", "bench.baseline_mqtt"]
    args = [str(port), str(count), str(size), topic]
    sub = subprocess.Popen([*me, "sub", *args], stdout=subprocess.PIPE, text=True)
    assert sub.stdout is not None
    if sub.stdout.readline().strip() != "ready":
        raise RuntimeError("raw subscriber did not start")
    pub = subprocess.run([*me, "pub", *args], capture_output=True, text=True, check=True)
    first = float(pub.stdout.split()[1])
    line = sub.stdout.readline().split()
    sub.wait(60)
    if line[0] != "last":
        raise RuntimeError(f"raw baseline: {' '.join(line)} of {count} arrived")
    return count / (float(line[1]) - first)


if __name__ == "__main__":
    mode, port_, count_, size_, topic_ = sys.argv[1:6]
    if mode == "sub":
        _sub(int(port_), int(count_), topic_)
    else:
        _pub(int(port_), int(count_), int(size_), topic_)
