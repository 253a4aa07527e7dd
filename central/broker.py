"""Talking to the broker, as every part of central does: the transport rule (no plain
MQTT in production unless a site says so) and a small MQTT v5 command publisher (QoS 1)
for ``alerts scan`` and ``serve`` when ingest's client is not at hand; it implements
``central.publisher.CommandPublisher``."""

from __future__ import annotations

import logging

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from central.settings import Settings

log = logging.getLogger(__name__)


class BrokerError(RuntimeError):
    """Central cannot talk to the broker as configured."""


class PlainMqttRefused(BrokerError):
    """Production settings without TLS to the broker, and plain MQTT not allowed."""


def check_transport(settings: Settings) -> None:
    """Refuse plain MQTT in production unless ``allow_plain_mqtt`` says so; when it does,
    say so at every start: person references would cross the network in clear."""
    where = f"{settings.mqtt_host}:{settings.mqtt_port}"
    if settings.plain_mqtt_refused:
        raise PlainMqttRefused(
            f"refusing plain MQTT to {where} in production: set ZHIFANG_MQTT_TLS_CA, "
            "ZHIFANG_MQTT_TLS_CERT and ZHIFANG_MQTT_TLS_KEY (central/ingest.env from "
            "`zhifang provision init-site`), or, only on a network that needs no "
            "encryption, ZHIFANG_ALLOW_PLAIN_MQTT=1"
        )
    if settings.environment == "production" and settings.mqtt_tls_ca is None:
        log.warning(
            "plain MQTT to %s allowed by ZHIFANG_ALLOW_PLAIN_MQTT: events, including "
            "petitioners' ID numbers, and commands cross the network unencrypted",
            where,
        )


class MqttCommandPublisher:
    def __init__(self, settings: Settings, *, client_id: str) -> None:
        check_transport(settings)
        c = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
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
        self._client = c
        self._settings = settings

    def start(self, timeout_s: float = 10.0) -> None:
        self._client.connect(self._settings.mqtt_host, self._settings.mqtt_port, keepalive=30)
        self._client.loop_start()

    def publish(self, topic: str, payload: bytes) -> None:
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"cannot publish to {topic}: {mqtt.error_string(info.rc)}")

    def flush(self, timeout_s: float = 10.0) -> None:
        """Wait for queued messages to be acknowledged (before exiting a CLI run)."""
        import time

        deadline = time.monotonic() + timeout_s
        while self._client.want_write() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
