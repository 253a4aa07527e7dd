"""The MQTT side of ingest (paho-mqtt 2.x, MQTT v5).

Persistent session (``clean_start=False`` + session expiry) so the broker keeps
queueing while central is down; QoS 1; manual acknowledgement: a PUBACK is sent only
after the message's batch is committed (``ack``), so a crash before the commit means
the broker delivers it again. CONNACK and SUBACK reason codes are checked: "not
authorised" (135) and friends are configuration errors, reported as fatal, never
mistaken for success.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from central.broker import BrokerError, check_transport
from central.db import utcnow
from central.settings import Settings
from protocol import topics

from .errors import IngestsError
from .ingestor import Incoming

log = logging.getLogger(__name__)

# CONNACK codes that retrying cannot fix: bad id, credentials, not authorised, banned, auth
FATAL_CONNACK = {133, 134, 135, 138, 140}


class IngestError(IngestsError, BrokerError):
    """Ingest cannot run as configured (refused by the broker, subscription denied)."""


@dataclass(frozen=True, slots=True)
class Received:
    incoming: Incoming
    mid: int
    qos: int
    generation: int  # which connection delivered it; a PUBACK only makes sense on that one


class MqttIngestClient:
    """Receives into a queue, acknowledges after commit, publishes commands (QoS 1)."""

    def __init__(self, settings: Settings) -> None:
        check_transport(settings)
        self._settings = settings
        self._queue: queue.Queue[Received] = queue.Queue()
        self._generation = 0
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.fatal: str | None = None
        self._sub_mid: int | None = None
        c = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=settings.ingest_client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            manual_ack=True,
        )
        if settings.mqtt_tls_ca is not None:
            c.tls_set(
                ca_certs=str(settings.mqtt_tls_ca),
                certfile=str(settings.mqtt_tls_cert) if settings.mqtt_tls_cert else None,
                keyfile=str(settings.mqtt_tls_key) if settings.mqtt_tls_key else None,
            )
        if settings.mqtt_username is not None:
            pw = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
            c.username_pw_set(settings.mqtt_username, pw)
        c.reconnect_delay_set(min_delay=1, max_delay=30)
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_subscribe = self._on_subscribe
        c.on_message = self._on_message
        self._client = c

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._settings.mqtt_session_expiry_s
        self._client.connect_async(
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            keepalive=30,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()  # its thread reconnects with backoff (1 s .. 30 s)

    def retire(self, timeout: float = 10.0) -> None:
        """Delete this worker's session on the broker, for good.

        A stopped worker's session lives on for ``mqtt_session_expiry_s`` and stays a
        member of the shared-subscription group: the broker keeps handing it its share
        of events, which then wait in that session instead of reaching a running
        worker (central asks for them again as seq gaps, but every resend risks the
        same). Connecting with ``clean_start=True`` and a session expiry of 0, then
        disconnecting, makes the broker forget the session and its group membership.
        """
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 0
        done = threading.Event()
        self._client.on_connect = lambda *a: done.set()
        self._client.connect(
            self._settings.mqtt_host, self._settings.mqtt_port, keepalive=30,
            clean_start=True, properties=props,
        )  # fmt: skip
        self._client.loop_start()
        try:
            if not done.wait(timeout):
                raise IngestError("could not reach the broker to retire the session")
        finally:
            self._client.disconnect()
            self._client.loop_stop()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    # --- receive / acknowledge ------------------------------------------------------

    def get_batch(self, max_items: int, timeout: float) -> list[Received]:
        """Block up to ``timeout`` for one message, then take what else is waiting."""
        try:
            first = self._queue.get(timeout=timeout)
        except queue.Empty:
            return []
        out = [first]
        while len(out) < max_items:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return out

    def ack(self, batch: list[Received]) -> None:
        """PUBACK, in the order received. Messages of an earlier connection are not
        acknowledged: the broker redelivers them on this one (a no-op duplicate)."""
        with self._lock:
            gen = self._generation
        for r in batch:
            if r.qos > 0 and r.generation == gen:
                self._client.ack(r.mid, r.qos)

    # --- CommandPublisher -------------------------------------------------------------

    def publish(self, topic: str, payload: bytes) -> None:
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"cannot publish to {topic}: {mqtt.error_string(info.rc)}")

    # --- paho callbacks (network thread) -------------------------------------------------

    def _on_connect(
        self, client: mqtt.Client, _u: Any, flags: Any, rc: ReasonCode, _p: Any
    ) -> None:
        if rc.is_failure:
            msg = f"broker {self._settings.mqtt_host}:{self._settings.mqtt_port} refused: {rc}"
            if rc.value in FATAL_CONNACK:
                self.fatal = msg + f" ({rc.value}); check the certificate, username and ACL"
            log.error(msg)
            return
        with self._lock:
            self._generation += 1
        self.connected.set()
        log.info("connected to MQTT (session present: %s)", flags.session_present)
        opts = SubscribeOptions(qos=1)
        group = self._settings.ingest_group
        wanted: list[tuple[str, SubscribeOptions]] = []
        # only the sites this central serves (a shared broker carries others' traffic,
        # which is theirs to ingest, not ours to quarantine); every site when unset
        for site in self._settings.ingest_sites or (None,):
            events, statuses, acks = topics.site_filters(site)
            wanted += [
                (topics.shared(group, events), opts),
                (statuses, opts),  # not shared: retained statuses reach every worker
                (topics.shared(group, acks), opts),
            ]
        result, mid = client.subscribe(wanted)
        if result != mqtt.MQTT_ERR_SUCCESS:
            log.error("subscribe could not be sent: %s", mqtt.error_string(result))
        self._sub_mid = mid

    def _on_subscribe(
        self, _c: mqtt.Client, _u: Any, mid: int, codes: list[ReasonCode], _p: Any
    ) -> None:
        bad = [c for c in codes if c.is_failure or c.value >= 128]
        if bad:
            self.fatal = (
                f"subscription refused by the broker: {', '.join(f'{c} ({c.value})' for c in bad)}"
                "; check the ingest account's ACL"
            )
            log.error(self.fatal)
            return
        self.subscribed.set()
        log.info("subscribed; ingest ready")

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, rc: ReasonCode, _p: Any) -> None:
        self.connected.clear()
        self.subscribed.clear()
        log.warning("disconnected from MQTT: %s; reconnecting", rc)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            gen = self._generation
        self._queue.put(
            Received(
                Incoming(topic=msg.topic, payload=bytes(msg.payload), received_at=utcnow()),
                mid=msg.mid,
                qos=msg.qos,
                generation=gen,
            )
        )
