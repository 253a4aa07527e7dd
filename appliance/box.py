"""The box assembled: device key, outbox, forwarder, broker connection.

box = Box(config)                    # or Box(config, transport=MemoryTransport())
box.start()
r = box.new_reception(); r.start("officer-1"); ...
box.wait_drained(10)
box.stop()
"""

from __future__ import annotations

import logging
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import keys

from .config import BoxConfig, ConfigError
from .forwarder import Forwarder
from .outbox import Outbox
from .recording.recorder import Recorder
from .recording.spool import Spool
from .session import Reception
from .transport import Transport

if TYPE_CHECKING:
    from .identity.desk import DeskIdentity

log = logging.getLogger(__name__)


def _version() -> str:
    try:
        return version("zhifang")
    except PackageNotFoundError:
        return ""


def _now_ms() -> int:
    return int(time.time() * 1000)


class PlainMqttRefused(ConfigError):
    """Production config without TLS to the broker, and plain MQTT not explicitly allowed."""


def check_transport(config: BoxConfig) -> None:
    """Refuse plain MQTT in production unless ``mqtt.allow_plain_mqtt`` says so; when it
    does, say so at every start (person references then cross the network in clear)."""
    m = config.mqtt
    if config.plain_mqtt_refused:
        raise PlainMqttRefused(
            f"refusing plain MQTT to {m.host}:{m.port} in production: set [mqtt.tls] "
            "(ca_file, cert_file, key_file; the provisioning bundle has them), or, only on "
            "a network that needs no encryption, [mqtt] allow_plain_mqtt = true"
        )
    if config.environment == "production" and m.tls is None:
        log.warning(
            "plain MQTT to %s:%d allowed by mqtt.allow_plain_mqtt: events, including "
            "petitioners' ID numbers, cross the network unencrypted",
            m.host,
            m.port,
        )


def paho_transport(config: BoxConfig) -> Transport:
    from .mqtt import PahoTransport  # paho only where a real broker is used

    m = config.mqtt
    return PahoTransport(
        host=m.host,
        port=m.port,
        client_id=config.client_id,
        keepalive_s=m.keepalive_s,
        session_expiry_s=m.session_expiry_s,
        tls=m.tls,
        reconnect_min_s=m.reconnect_min_s,
        reconnect_max_s=m.reconnect_max_s,
        max_inflight=m.inflight_window,
    )


class Box:
    def __init__(
        self,
        config: BoxConfig,
        *,
        transport: Transport | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> None:
        self.config = config
        if transport is None:  # a real broker: the transport rules apply (before any state)
            check_transport(config)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.key = key or keys.load_or_create_private_key(config.key_file)
        self.outbox = Outbox(config.outbox_file, device=config.device, key=self.key)
        self.transport = transport or paho_transport(config)
        self.forwarder = Forwarder(
            outbox=self.outbox,
            transport=self.transport,
            site=config.site,
            device=config.device,
            window=config.mqtt.inflight_window,
            retry_rejected_s=config.mqtt.retry_rejected_s,
            retention_ms=config.outbox.retention_days * 24 * 3600 * 1000,
            version=_version(),
            key=self.key,
            command_keys=[keys.load_public_b64(k) for k in config.central_command_keys],
            command_max_age_s=config.command_max_age_s,
        )
        self.spool = Spool(
            config.spool_dir,
            limit_bytes=config.recording.spool_max_mb * 1024 * 1024,
            alarm=lambda msg: log.error("recording spool alarm: %s", msg),
        )
        self.recorder = Recorder(self.spool, key=self.key, device=config.device)
        self.identity = self._desk_identity(config)
        self._uploader_stop = threading.Event()
        self._uploader: threading.Thread | None = None
        self._started = False

    @property
    def public_key_b64(self) -> str:
        return keys.public_key_b64(self.key)

    def _desk_identity(self, config: BoxConfig) -> DeskIdentity | None:
        """Biometrics at this desk: only with the site's template key (see config)."""
        if config.template_key_path is None:
            return None
        from .identity.desk import DeskIdentity  # numpy, OpenCV: only where biometrics run
        from .identity.templates import TemplateStore

        key_file = config.template_key_path
        mode = key_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(f"{key_file} is readable by others (mode {mode:o}); use 0600")
        store = TemplateStore(config.templates_file, key=key_file.read_bytes(), clock=_now_ms)
        relay = None
        if config.central_url:
            import httpx

            from .identity.relay import HttpTemplateRelay

            relay = HttpTemplateRelay(
                httpx.Client(base_url=config.central_url, timeout=30),  # signs per request
                device=config.device,
                key=self.key,
            )
        ident = DeskIdentity(
            store=store,
            outbox=self.outbox,
            device_key=self.key,
            site=config.site,
            clock_ms=_now_ms,
            relay=relay,
        )
        ident.install(self.forwarder)  # serves biometric_delete; reports what a crash left
        return ident

    def start(self) -> Box:
        self.forwarder.start()
        if self.config.central_url:
            self._uploader = threading.Thread(
                target=self._upload_loop, name="evidence-upload", daemon=True
            )
            self._uploader.start()
        self._started = True
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._started:
            self._uploader_stop.set()
            if self._uploader is not None:
                self._uploader.join(timeout)
            self.forwarder.stop(timeout)
            self._started = False
        self.outbox.close()

    def evidence_pending(self) -> int:
        """Segments in the spool that central has not acknowledged yet."""
        return len(self.spool.pending())

    def _upload_loop(self) -> None:
        import httpx

        from .recording.upload import HttpEvidenceClient, Uploader

        assert self.config.central_url
        from .http_auth import DeviceAuth

        auth = DeviceAuth(self.config.device, self.key)
        with httpx.Client(base_url=self.config.central_url, timeout=30, auth=auth) as http:
            uploader = Uploader(self.spool, HttpEvidenceClient(http))
            reported: set[str] = set()
            while not self._uploader_stop.is_set():
                try:
                    done, _left = uploader.run_once()
                except Exception:  # never let one bad round end uploading for good
                    log.exception("evidence upload round failed; retrying")
                    done = 0
                for mh, reason in uploader.refused.items():
                    if mh not in reported:  # refused segments stay on the box, said once
                        reported.add(mh)
                        log.error("central refused segment %s: %s (kept)", mh[:12], reason)
                wait = 0.2 if done else self.config.recording.upload_interval_s
                self._uploader_stop.wait(wait)

    def new_reception(self) -> Reception:
        return Reception(outbox=self.outbox, clock_ms=_now_ms)

    def wait_drained(self, timeout: float) -> bool:
        return self.outbox.wait_drained(timeout)

    def __enter__(self) -> Box:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
