"""Central's configuration: one pydantic-settings model, read from ``ZHIFANG_*``.

Nothing is read at import time: call ``Settings()`` (or pass values) where the
process starts. Secrets left at their placeholder are refused outside development,
so a production server cannot start with the keys everyone can read in this file.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from protocol import topics

# Development placeholders (public by definition): refused unless environment="development".
PLACEHOLDER_SECRET = "change-me-development-only"
PLACEHOLDER_ID_HASH_KEY = base64.b64encode(b"zhifang-dev-only-id-hash-key-32b").decode()
PLACEHOLDER_ID_ENC_KEY = base64.b64encode(b"zhifang-dev-only-id-enc-key--32b").decode()


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message says which and what to do."""


def decode_key32(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as e:
        raise SettingsError(f"{name} must be base64 (of 32 random bytes)") from e
    if len(raw) != 32:
        raise SettingsError(f"{name} must decode to 32 bytes, got {len(raw)}")
    return raw


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFANG_", extra="forbid", frozen=True)

    environment: Literal["development", "production"] = Field(
        default="production",
        description="'development' allows the placeholder secrets below; never in production",
    )
    data_dir: Path = Field(
        default=Path("var/central"), description="where the SQLite file and blobs are kept"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
        "default: SQLite file central.db under data_dir",
    )

    mqtt_host: str = Field(default="127.0.0.1", description="MQTT broker host")
    mqtt_port: int = Field(default=1883, ge=1, le=65535, description="MQTT broker port")
    mqtt_tls_ca: Path | None = Field(default=None, description="CA file; enables TLS when set")
    mqtt_tls_cert: Path | None = Field(default=None, description="client certificate (PEM)")
    mqtt_tls_key: Path | None = Field(default=None, description="client key (PEM)")
    mqtt_username: str | None = Field(default=None, description="MQTT username, if any")
    mqtt_password: SecretStr | None = Field(default=None, description="MQTT password, if any")
    allow_plain_mqtt: bool = Field(
        default=False,
        description="in production, talk to the broker without TLS (person references "
        "then cross the network in clear); refused unless set, warned about at every start",
    )
    mqtt_session_expiry_s: int = Field(
        default=7 * 24 * 3600,
        ge=60,
        description="how long the broker keeps the ingest session (and queues events) "
        "while central is down",
    )

    ingest_client_id: str = Field(
        default="zhifang-central-ingest-1",
        min_length=1,
        max_length=64,
        description="MQTT client id of this ingest worker; stable across restarts, "
        "unique per worker",
    )
    ingest_group: str = Field(
        default="zhifang-central",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
        description="shared-subscription group; workers with the same group share events",
    )
    ingest_sites: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="the sites whose boxes this central ingests (comma-separated in the "
        "environment, e.g. minhou,gulou); empty: every site on the broker",
    )
    ingest_batch_max: int = Field(
        default=500, ge=1, le=10_000, description="most messages committed in one transaction"
    )
    gap_grace_s: float = Field(
        default=2.0, ge=0, description="wait this long for a missing seq before asking a resend"
    )
    resend_backoff_max_s: float = Field(
        default=60.0, gt=0, description="longest wait between repeated resend requests"
    )

    command_key_file: Path | None = Field(
        default=None,
        description="central's Ed25519 key that signs every command to the boxes (raw 32 "
        "bytes, mode 0600, made on first start); boxes pin its public key "
        "(`zhifang central command-key show`); default data_dir/keys/command.key",
    )

    quarantine_keep_days: int = Field(
        default=30,
        ge=1,
        description="quarantine: keep a refused message (its payload, sealed, and its reason) "
        "this many days; the counts per day and reason are kept for ever",
    )
    quarantine_max_mb: int = Field(
        default=256,
        ge=1,
        description="quarantine: keep at most this many MB of refused messages; the oldest "
        "go first (their counts stay)",
    )
    quarantine_alert_per_minute: int = Field(
        default=60,
        ge=1,
        description="quarantine: alert the admins (else the leaders) when more messages than "
        "this are quarantined within one minute (a misconfigured box or a flood)",
    )

    evidence_segment_max_mb: int = Field(
        default=512,
        ge=1,
        description="evidence: largest segment a box may announce in a manifest, MB",
    )
    evidence_inflight_max_mb: int = Field(
        default=4096,
        ge=1,
        description="evidence: bytes one box may have announced in uploads not yet logged "
        "(open or parked), MB; more is refused until some are done",
    )
    evidence_daily_max_mb: int = Field(
        default=20480,
        ge=1,
        description="evidence: bytes one box may announce in new uploads per day "
        "(China Standard Time), MB",
    )

    rules_file: Path | None = Field(
        default=None,
        description="the site's deadline rules (TOML, see central/workflow/rules.default.toml); "
        "default: the shipped rules of 人民检察院信访工作规定",
    )
    calendar_file: Path | None = Field(
        default=None,
        description="the site's holiday calendar (.json or .csv, one file per year's notice "
        "of the State Council, see docs/operate.md); default: the shipped sample for 2026, "
        "so deadlines past it are marked 待核定 until the site loads its own",
    )
    sites_file: Path | None = Field(
        default=None,
        description="each site's names and 文号 format (TOML, see central/workflow/sites.py); "
        "default: a site is named by its code",
    )
    risk_file: Path | None = Field(
        default=None, description="the site's risk rules (TOML); default: the shipped rules"
    )

    http_host: str = Field(default="127.0.0.1", description="HTTP listen address")
    http_port: int = Field(default=8000, ge=1, le=65535, description="HTTP listen port")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="URL users and boxes reach central at"
    )

    sharing_rate_per_minute: int = Field(
        default=60,
        ge=1,
        description="organ data-sharing API: requests one token may make per minute "
        "(an organ's or token's own rate_per_minute overrides it)",
    )
    sharing_rate_per_day: int = Field(
        default=5000,
        ge=1,
        description="organ data-sharing API: requests one token may make per calendar day "
        "(China Standard Time; an organ's or token's own rate_per_day overrides it)",
    )

    progress_per_address: int = Field(
        default=20,
        ge=1,
        description="public progress lookup (进度查询): lookups one client address (or one "
        "box) may make within progress_window_s; more are refused until the window ends",
    )
    progress_per_ref: int = Field(
        default=10,
        ge=1,
        description="public progress lookup: lookups of one 文号 (known or not) from every "
        "address together within progress_window_s",
    )
    progress_window_s: int = Field(
        default=600, ge=1, description="public progress lookup: the window lookups are counted in"
    )

    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="console login: failed attempts on one username from one client address "
        "within login_window_s before that username is locked at that address (known and "
        "unknown usernames alike; other addresses are not locked)",
    )
    login_user_slow_after: int = Field(
        default=10,
        ge=1,
        description="console login: failed attempts on one username over every address "
        "within login_window_s after which each further attempt must wait (a slowdown, "
        "never a lock: a stranger cannot shut the real user out)",
    )
    login_user_slow_max_s: int = Field(
        default=60, ge=1, description="console login: the longest such wait, in seconds"
    )
    login_ip_max_failures: int = Field(
        default=30,
        ge=1,
        description="console login: failed attempts from one client address, over all "
        "usernames, within login_window_s before the address is locked",
    )
    login_window_s: int = Field(
        default=900, ge=1, description="console login: the window failures are counted in"
    )
    login_lock_s: int = Field(
        default=900,
        ge=1,
        description="console login: the first lockout's length; each further one doubles",
    )
    login_lock_max_s: int = Field(
        default=86_400,
        ge=1,
        description="console login: the longest lockout; a username or address with no "
        "attempt and no lock for this long starts again from login_lock_s "
        "(`zhifang central user unlock` ends a lock now)",
    )

    secret_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_SECRET),
        description="signs sessions and tokens; at least 32 characters",
    )
    id_hash_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_ID_HASH_KEY),
        description="base64 of 32 bytes: HMAC key for looking up ID numbers",
    )
    id_enc_key: SecretStr = Field(
        default=SecretStr(PLACEHOLDER_ID_ENC_KEY),
        description="base64 of 32 bytes: AES-256-GCM key for ID numbers at rest",
    )

    @field_validator("ingest_sites", mode="before")
    @classmethod
    def _sites(cls, v: object) -> object:
        if isinstance(v, str):  # ZHIFANG_INGEST_SITES=minhou,gulou
            v = tuple(x.strip() for x in v.split(",") if x.strip())
        if isinstance(v, (list, tuple)):
            for site in v:
                topics.check_name("site", str(site))
        return v

    @model_validator(mode="after")
    def _secrets_are_safe(self) -> Settings:
        hash_key = decode_key32("ZHIFANG_ID_HASH_KEY", self.id_hash_key.get_secret_value())
        enc_key = decode_key32("ZHIFANG_ID_ENC_KEY", self.id_enc_key.get_secret_value())
        if hash_key == enc_key:
            raise SettingsError("ZHIFANG_ID_HASH_KEY and ZHIFANG_ID_ENC_KEY must differ")
        if self.environment == "development":
            return self
        placeholders = {
            "ZHIFANG_SECRET_KEY": self.secret_key.get_secret_value() == PLACEHOLDER_SECRET,
            "ZHIFANG_ID_HASH_KEY": self.id_hash_key.get_secret_value() == PLACEHOLDER_ID_HASH_KEY,
            "ZHIFANG_ID_ENC_KEY": self.id_enc_key.get_secret_value() == PLACEHOLDER_ID_ENC_KEY,
        }
        left = [name for name, is_placeholder in placeholders.items() if is_placeholder]
        if left:
            raise SettingsError(
                f"{', '.join(left)} still at the development placeholder; set real secrets "
                "(e.g. `python -c 'import os,base64;print(base64.b64encode(os.urandom(32))"
                ".decode())'`)"
            )
        if len(self.secret_key.get_secret_value()) < 32:
            raise SettingsError("ZHIFANG_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'central.db').as_posix()}"

    @property
    def plain_mqtt_refused(self) -> bool:
        """Production without TLS to the broker, and nobody said that is wanted."""
        return (
            self.environment == "production"
            and self.mqtt_tls_ca is None
            and not self.allow_plain_mqtt
        )

    @property
    def id_hash_key_bytes(self) -> bytes:
        return decode_key32("ZHIFANG_ID_HASH_KEY", self.id_hash_key.get_secret_value())

    @property
    def id_enc_key_bytes(self) -> bytes:
        return decode_key32("ZHIFANG_ID_ENC_KEY", self.id_enc_key.get_secret_value())


def settings_or_exit() -> Settings:
    """The settings for a command-line tool: a bad value ends the command with its
    message (exit code 2), not a traceback."""
    import sys

    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as e:
        print(f"配置错误 (configuration error):\n{e}", file=sys.stderr)
        raise SystemExit(2) from e
