"""``Transport`` on paho-mqtt 2.x: MQTT v5, QoS 1, persistent session, own reconnect loop.

paho's built-in reconnect (``loop_start``) backs off without jitter, so a whole fleet
that lost the broker at once would come back in lock-step; this module runs its own
network thread with exponential backoff and jitter instead.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .config import TlsConfig
from .transport import Message, Transport, TransportEvents

log = logging.getLogger(__name__)


def backoff_delay(attempt: int, lo: float, hi: float, rnd: Callable[[], float]) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random."""
    base = min(hi, lo * (2 ** min(attempt, 30)))
    return base / 2 + base / 2 * rnd()


def _code(rc: Any) -> int:
    return int(getattr(rc, "value", rc))


class PahoTransport(Transport):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        client_id: str,
        keepalive_s: int = 30,
        session_expiry_s: int = 7 * 24 * 3600,
        tls: TlsConfig | None = None,
        reconnect_min_s: float = 1.0,
        reconnect_max_s: float = 60.0,
        max_inflight: int = 100,
        username: str | None = None,
        password: str | None = None,
        rnd: Callable[[], float] = random.random,
    ) -> None:
        self.host, self.port, self.keepalive_s = host, port, keepalive_s
        self.reconnect_min_s, self.reconnect_max_s = reconnect_min_s, reconnect_max_s
        self._rnd = rnd
        self._events: TransportEvents | None = None
        self._will: Callable[[], Message] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._attempt = 0
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = session_expiry_s
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        # our window bounds what we hand over; a little room for status and acks
        c.max_inflight_messages_set(max_inflight + 10)
        if tls is not None:
            c.tls_set(
                ca_certs=str(tls.ca_file), certfile=str(tls.cert_file), keyfile=str(tls.key_file)
            )
        if username is not None:
            c.username_pw_set(username, password)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_publish = self._on_publish
        c.on_message = self._on_message
        c.on_subscribe = self._on_subscribe
        self._client = c

    # --- Transport -------------------------------------------------------------------

    def start(self, events: TransportEvents, will: Callable[[], Message]) -> None:
        self._events, self._will = events, will
        self._thread = threading.Thread(target=self._run, name="mqtt-network", daemon=True)
        self._thread.start()

    def publish(self, msg: Message) -> int:
        info = self._client.publish(msg.topic, msg.payload, qos=msg.qos, retain=msg.retain)
        # NO_CONN still queues the message in paho; it goes out after the reconnect
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise OSError(f"paho refused to queue a publish: {mqtt.error_string(info.rc)}")
        return int(info.mid)

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        self._client.subscribe(topic_filter, qos=qos)

    def stop(self, final: Message | None = None, timeout: float = 5.0) -> None:
        if final is not None and self._client.is_connected():
            info = self._client.publish(
                final.topic, final.payload, qos=final.qos, retain=final.retain
            )
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as e:
                log.warning("final status not sent: %s", e)
        self._stopping.set()
        self._client.disconnect()  # a normal DISCONNECT: the broker drops our will
        if self._thread is not None:
            self._thread.join(timeout)

    # --- network thread --------------------------------------------------------------

    def _connect(self) -> None:
        assert self._will is not None
        w = self._will()
        self._client.will_set(w.topic, w.payload, qos=w.qos, retain=w.retain)
        self._client.connect(
            self.host,
            self.port,
            keepalive=self.keepalive_s,
            clean_start=False,  # keep our session (subscriptions, queued commands)
            properties=self._props,
        )

    def _run(self) -> None:
        need_connect = True
        while not self._stopping.is_set():
            if need_connect:
                try:
                    self._connect()
                    need_connect = False
                except (OSError, ValueError) as e:
                    self._back_off(f"cannot reach broker {self.host}:{self.port}: {e}")
                    continue
            rc = self._client.loop(timeout=0.2)
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS and not self._stopping.is_set():
                need_connect = True
                self._back_off(f"connection lost: {mqtt.error_string(rc)}")

    def _back_off(self, why: str) -> None:
        delay = backoff_delay(self._attempt, self.reconnect_min_s, self.reconnect_max_s, self._rnd)
        self._attempt += 1
        log.warning("%s; retrying in %.1f s", why, delay)
        self._stopping.wait(delay)

    # --- paho callbacks (network thread): translate and hand over ---------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        assert self._events is not None
        if rc.is_failure:
            log.error("broker refused the connection: %s (%d)", rc, _code(rc))
            return  # paho closes the socket; the loop backs off and retries
        self._attempt = 0
        self._events.on_connected(bool(flags.session_present))

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        assert self._events is not None
        self._events.on_disconnected(f"{rc} ({_code(rc)})")

    def _on_publish(self, client: Any, userdata: Any, mid: int, rc: Any, props: Any) -> None:
        assert self._events is not None
        self._events.on_puback(mid, _code(rc), str(rc))

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        assert self._events is not None
        self._events.on_message(message.topic, bytes(message.payload))

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        for rc in codes:
            if rc.is_failure:
                log.error("broker refused our command subscription: %s (%d)", rc, _code(rc))
