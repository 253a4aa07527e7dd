"""The raw broker rate: a bare paho QoS 1 publisher → Mosquitto → QoS 1 subscriber.

This is the ceiling any ingest can reach on this machine and broker today, measured
in the same run as the figure it is compared with.
"""

from __future__ import annotations

import threading
import time
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def raw_rate(port: int, *, count: int, payload: bytes, inflight: int = 100) -> float:
    """Messages per second from the first publish to the last delivery."""
    topic = f"bench/raw/{uuid.uuid4().hex}"
    done = threading.Event()
    got = 0

    def on_message(_c, _u, _m):
        nonlocal got
        got += 1
        if got >= count:
            done.set()

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"raw-sub-{uuid.uuid4().hex[:8]}",
                      protocol=mqtt.MQTTv5)
    sub.on_message = on_message
    sub.connect("127.0.0.1", port)
    subscribed = threading.Event()
    sub.on_subscribe = lambda *a: subscribed.set()
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    subscribed.wait(5)

    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"raw-pub-{uuid.uuid4().hex[:8]}",
                      protocol=mqtt.MQTTv5)
    pub.max_inflight_messages_set(inflight)
    pub.max_queued_messages_set(0)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    t0 = time.perf_counter()
    for _ in range(count):
        pub.publish(topic, payload, qos=1)
    if not done.wait(300):
        raise RuntimeError(f"raw baseline: only {got}/{count} messages arrived")
    elapsed = time.perf_counter() - t0
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return count / elapsed
