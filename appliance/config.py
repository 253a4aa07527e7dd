"""The box's configuration: one TOML file, overridable by environment variables.

Environment overrides use the prefix ``ZHIFANG_BOX_`` and ``__`` between nested
keys, e.g. ``ZHIFANG_BOX_MQTT__PORT=1884`` or ``ZHIFANG_BOX_SITE=minhou``. Relative
paths in the file are resolved against the file's folder, so a config bundle can be
moved as a whole.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from protocol import topics

ENV_PREFIX = "ZHIFANG_BOX_"


class ConfigError(ValueError):
    """The config file or an override is unusable; the message names the key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsConfig(_Model):
    ca_file: Path = Field(description="CA certificate that signed the broker's certificate")
    cert_file: Path = Field(description="this box's client certificate (CN = device name)")
    key_file: Path = Field(description="private key of the client certificate")


class MqttConfig(_Model):
    host: str = Field(default="127.0.0.1", description="broker host name or address")
    port: int = Field(default=1883, ge=1, le=65535, description="broker TCP port")
    tls: TlsConfig | None = Field(default=None, description="client-certificate TLS; off if unset")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keepalive, seconds")
    session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=0,
        le=2**32 - 1,
        description="how long the broker keeps the session (and queued commands) while away",
    )
    client_id: str | None = Field(
        default=None, max_length=64, description="MQTT client id; defaults to the device name"
    )
    inflight_window: int = Field(
        default=100, ge=1, le=65535, description="events published but not yet acknowledged"
    )
    reconnect_min_s: float = Field(default=1.0, gt=0, le=60, description="first reconnect delay")
    reconnect_max_s: float = Field(default=60.0, gt=0, le=3600, description="longest delay")
    retry_rejected_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="wait before re-sending an event the broker refused",
    )
    allow_plain_mqtt: bool = Field(
        default=False,
        description="in production, connect without TLS (person references then cross the "
        "network in clear); refused unless set, and warned about at every start",
    )


class OfficerConfig(_Model):
    default_id: str = Field(
        default="officer-demo",
        min_length=1,
        max_length=64,
        description="officer account used by simulated receptions",
    )
    pin_hashes: dict[str, str] = Field(
        default_factory=dict, description="officer id → argon2 hash of the officer's PIN"
    )
    names: dict[str, str] = Field(
        default_factory=dict,
        description="officer id → display name shown on the touchscreen (e.g. 王检察官)",
    )


class OutboxConfig(_Model):
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="keep acknowledged events this long for resends"
    )


class RecordingConfig(_Model):
    spool_max_mb: int = Field(
        default=4096, ge=1, le=1_000_000,
        description="size limit of the local recording spool; full raises an alarm",
    )  # fmt: skip
    upload_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="how often pending segments are offered"
    )


class BiometricsConfig(_Model):
    """Face/voice at the desk (``appliance.identity.biometrics``). Also needs the site's
    ``template_key_path``; the models are checked by SHA-256 when the UI starts."""

    enabled: bool = Field(
        default=False,
        description="drive the camera (and microphone) for face/voice checks and enrolment; "
        "off: the desk offers ID number, phone and PIN only",
    )
    voice: bool = Field(default=True, description="voice too (needs the microphone and model)")
    microphone: str | None = Field(
        default=None, max_length=200, description="ALSA/PortAudio input device; default device"
    )
    camera_size: tuple[int, int] = Field(
        default=(1280, 720), description="width, height of the camera's main stream"
    )
    frames: int = Field(default=8, ge=5, le=60, description="frames taken for one face check")
    interval_s: float = Field(
        default=0.3, ge=0, le=2, description="seconds between those frames (a head turn spans them)"
    )
    voice_s: float = Field(default=4.0, ge=1.5, le=30, description="seconds of audio per check")
    enrol_voice_s: float = Field(
        default=15.0, ge=5, le=120, description="seconds of audio recorded to enrol a voice"
    )
    challenges: tuple[Literal["turn_left", "turn_right", "blink"], ...] = Field(
        default=("turn_left", "turn_right"),
        min_length=1,
        description="liveness challenges drawn at random (blink needs a fast frame interval)",
    )


def _ed25519_public(v: str) -> str:
    import base64
    import binascii

    try:
        raw = base64.b64decode(v.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise ValueError("not base64 (of a 32-byte Ed25519 public key)") from e
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this is {len(raw)}")
    return v


class BoxConfig(_Model):
    environment: Literal["development", "production"] = Field(
        default="production",
        description="production refuses plain MQTT unless mqtt.allow_plain_mqtt says so",
    )
    site: str = Field(description="site (procuratorate) name used in MQTT topics")
    device: str = Field(description="this box's device name, registered at central")
    data_dir: Path = Field(description="folder for the outbox database and other state")
    key_path: Path | None = Field(
        default=None,
        description="Ed25519 device key (made on first start); default data_dir/device.key",
    )
    pinmap_path: Path | None = Field(
        default=None, description="rating-button pin map (TOML); default: the packaged pinmap"
    )
    mqtt: MqttConfig = Field(default_factory=MqttConfig, description="broker connection")
    officer: OfficerConfig = Field(default_factory=OfficerConfig, description="officer defaults")
    outbox: OutboxConfig = Field(default_factory=OutboxConfig, description="outbox retention")
    central_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="central's HTTPS base URL (recording uploads, dossier look-ups); "
        "without it segments stay in the spool",
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig, description="recording spool and upload"
    )
    template_key_path: Path | None = Field(
        default=None,
        description="the site's 32-byte biometric template key (AES-256-GCM, mode 0600, the "
        "same at every desk of the site, never sent to central); without it this desk "
        "offers identification by ID number or phone only",
    )
    template_retention_days: int = Field(
        default=1095, ge=1, le=36500, description="delete templates unused this long"
    )
    biometrics: BiometricsConfig = Field(
        default_factory=BiometricsConfig, description="face/voice capture at this desk"
    )
    central_command_keys: tuple[str, ...] = Field(
        default=(),
        max_length=8,
        description="base64 Ed25519 public keys central signs commands with (from the "
        "provisioning bundle; two while central's key is rotated); without one every "
        "command is refused",
    )
    command_max_age_s: int = Field(
        default=24 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="refuse a command central signed longer ago than this (a replay); "
        "central re-issues what a box missed with a fresh time",
    )

    @field_validator("central_command_keys")
    @classmethod
    def _command_keys(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_ed25519_public(k) for k in v)

    @property
    def plain_mqtt_refused(self) -> bool:
        """Production without TLS, and nobody said that is wanted."""
        return (
            self.environment == "production"
            and self.mqtt.tls is None
            and not self.mqtt.allow_plain_mqtt
        )

    @field_validator("site")
    @classmethod
    def _site(cls, v: str) -> str:
        return topics.check_name("site", v)

    @field_validator("device")
    @classmethod
    def _device(cls, v: str) -> str:
        return topics.check_name("device", v)

    @property
    def key_file(self) -> Path:
        return self.key_path or self.data_dir / "device.key"

    @property
    def templates_file(self) -> Path:
        return self.data_dir / "templates.sqlite3"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def outbox_file(self) -> Path:
        return self.data_dir / "outbox.sqlite3"

    @property
    def client_id(self) -> str:
        return self.mqtt.client_id or f"zhifang-box-{self.device}"


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX:
            continue
        path = name[len(ENV_PREFIX) :].lower().split("__")
        node = out
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"environment variable {name}: {part!r} is not a table")
            node = child
        node[path[-1]] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict):
            merged[k] = _merge(merged[k], v)
        else:
            merged[k] = v
    return merged


def _describe(e: ValidationError, source: str) -> str:
    lines = [f"{source}: {e.error_count()} problem(s):"]
    for err in e.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        got = "" if err["type"] == "missing" else f" (got {err.get('input')!r})"
        lines.append(f"  {key}: {msg}{got}")
    return "\n".join(lines)


def _resolve(cfg: BoxConfig, base: Path) -> BoxConfig:
    def fix(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    updates: dict[str, Any] = {}
    for name in ("data_dir", "key_path", "pinmap_path", "template_key_path"):
        fixed = fix(getattr(cfg, name))
        if fixed is not None:
            updates[name] = fixed
    if cfg.mqtt.tls is not None:
        tls = cfg.mqtt.tls
        tls_new = tls.model_copy(
            update={
                k: fix(getattr(tls, k)) or getattr(tls, k)
                for k in ("ca_file", "cert_file", "key_file")
            }
        )
        updates["mqtt"] = cfg.mqtt.model_copy(update={"tls": tls_new})
    return cfg.model_copy(update=updates)


def parse_config(
    data: dict[str, Any], *, base_dir: Path, source: str = "config", environ: Mapping[str, str] = {}
) -> BoxConfig:
    """Validate a config mapping (+ environment overrides) into a ``BoxConfig``."""
    merged = _merge(data, _env_overrides(environ))
    try:
        cfg = BoxConfig.model_validate(merged)
    except ValidationError as e:
        raise ConfigError(_describe(e, source)) from None
    return _resolve(cfg, base_dir)


def load_config(path: Path, *, environ: Mapping[str, str] | None = None) -> BoxConfig:
    """Read the TOML file at ``path``; ``environ`` defaults to ``os.environ``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except OSError as e:
        raise ConfigError(f"config file {path} cannot be read: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"config file {path} is not UTF-8: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    env = os.environ if environ is None else environ
    return parse_config(data, base_dir=path.parent.resolve(), source=str(path), environ=env)
