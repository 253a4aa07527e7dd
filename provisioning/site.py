"""A site's provisioning folder: its CA, the broker's and central's certificates, the boxes.

Layout (the folder holds the CA key: keep it on the admin's machine, 0700, backed up)::

    site.toml                      site name, broker address, central URL
    ca/ca.pem  ca/ca.key           the site CA (key 0600)
    ca/revoked.json  ca/crl.pem    revoked serials, and the CRL made from them
    broker/server.pem server.key   the broker's TLS certificate
    central/ingest.pem ingest.key  central's MQTT client certificate (CN central.ingest)
    devices/NAME/device.key        the box's Ed25519 event-signing key (raw, 0600)
    devices/NAME/tls.pem tls.key   the box's TLS client certificate (CN = NAME) and key
    devices/NAME/device.json       serials issued, revocation

Renewal (``renew``) gives the box a new TLS key and certificate and keeps its event
signing key: central knows a box by that key and checks every event and evidence
manifest with it, so changing it would orphan the box's history. To replace a
signing key, revoke the box and provision a new device name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from protocol import keys, topics

from . import pki

INGEST_USER = "central.ingest"  # has a '.', which no device name may: cannot collide


class SiteError(ValueError):
    """The site folder or a device in it is missing, inconsistent or already there."""


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(description="site name: the {site} segment of every MQTT topic")
    broker_hosts: list[str] = Field(
        min_length=1, description="host names / IP addresses the boxes use to reach the broker"
    )
    broker_port: int = Field(default=8883, ge=1, le=65535, description="broker TLS port")
    central_url: str | None = Field(default=None, description="central's URL, for register")
    central_command_keys: list[str] = Field(
        default_factory=list,
        description="base64 Ed25519 public keys central signs commands with (from `zhifang "
        "central command-key show`); every bundle pins them. Two during a rotation",
    )

    @field_validator("central_command_keys")
    @classmethod
    def _command_keys(cls, v: list[str]) -> list[str]:
        for k in v:
            keys.load_public_b64(k)  # ValueError: not base64 of 32 bytes
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return topics.check_name("site", v)


class DeviceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="device name = certificate CN = MQTT user name")
    created_at: dt.datetime = Field(description="when add-device made it")
    serial: int = Field(description="serial of the current TLS certificate")
    not_after: dt.datetime = Field(description="the current certificate expires then")
    previous_serials: list[int] = Field(default_factory=list, description="earlier certificates")
    revoked_at: dt.datetime | None = Field(default=None, description="set by revoke")
    revoke_reason: str | None = Field(default=None, description="why it was revoked")


class RevokedEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    serial: int
    name: str
    revoked_at: dt.datetime
    reason: str


class RevocationList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: int = Field(default=0, description="CRL number of the last CRL written")
    revoked: list[RevokedEntry] = Field(default_factory=list)


def _toml_value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def toml_table(values: dict[str, Any]) -> str:
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items() if v is not None)


@dataclass(frozen=True)
class DevicePaths:
    folder: Path

    @property
    def signing_key(self) -> Path:
        return self.folder / "device.key"

    @property
    def cert(self) -> Path:
        return self.folder / "tls.pem"

    @property
    def tls_key(self) -> Path:
        return self.folder / "tls.key"

    @property
    def record(self) -> Path:
        return self.folder / "device.json"


class Site:
    def __init__(self, root: Path, config: SiteConfig) -> None:
        self.root, self.config = root, config

    # --- paths -----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.config.name

    ca_cert = property(lambda self: self.root / "ca" / "ca.pem")
    ca_key = property(lambda self: self.root / "ca" / "ca.key")
    crl = property(lambda self: self.root / "ca" / "crl.pem")
    revoked_file = property(lambda self: self.root / "ca" / "revoked.json")
    server_cert = property(lambda self: self.root / "broker" / "server.pem")
    server_key = property(lambda self: self.root / "broker" / "server.key")
    ingest_cert = property(lambda self: self.root / "central" / "ingest.pem")
    ingest_key = property(lambda self: self.root / "central" / "ingest.key")

    def device(self, name: str) -> DevicePaths:
        return DevicePaths(self.root / "devices" / topics.check_name("device", name))

    # --- open / init -------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path) -> Site:
        path = root / "site.toml"
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            config = SiteConfig.model_validate(data.get("site", {}))
        except FileNotFoundError:
            raise SiteError(
                f"{root} is not a site folder (no site.toml); run `zhifang provision init-site`"
            ) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValidationError) as e:
            raise SiteError(f"{path} is unusable: {e}") from None
        return cls(root, config)

    @classmethod
    def init(cls, root: Path, config: SiteConfig) -> Site:
        if (root / "site.toml").exists():
            raise SiteError(f"{root} already holds a site ({root / 'site.toml'}); not replaced")
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o700)
        site = cls(root, config)
        ca_key, ca = pki.make_ca(config.name)
        pki.write_key(site.ca_key, ca_key)
        pki.write_cert(site.ca_cert, ca)
        s_key, s_cert = pki.issue_server(ca_key, ca, config.broker_hosts)
        pki.write_key(site.server_key, s_key)
        pki.write_cert(site.server_cert, s_cert)
        i_key, i_cert = pki.issue_client(ca_key, ca, INGEST_USER)
        pki.write_key(site.ingest_key, i_key)
        pki.write_cert(site.ingest_cert, i_cert)
        site.write_ingest_env()
        site.ensure_template_key()
        site._save_revoked(RevocationList())
        site.refresh_crl()
        site._save_config()  # site.toml last: its presence means the folder is complete
        return site

    def _save_config(self) -> None:
        text = "# zhifang site (written by `zhifang provision init-site`)\n[site]\n"
        text += toml_table(self.config.model_dump())
        pki.write_atomic(self.root / "site.toml", text.encode(), mode=0o644)

    def pin_central_key(self, public_b64: str, *, remove: bool = False) -> list[str]:
        """Add (or remove) a central command key that every bundle pins; returns the list.
        Removing the last one is refused: boxes would then refuse every command."""
        keys.load_public_b64(public_b64)
        pinned = [k for k in self.config.central_command_keys if k != public_b64]
        if not remove:
            pinned.append(public_b64)
        elif not pinned:
            raise SiteError("refusing to unpin central's only command key: pin the new one first")
        self.config = self.config.model_copy(update={"central_command_keys": pinned})
        self._save_config()
        return pinned

    @property
    def template_key(self) -> Path:
        """The site's biometric template key: 32 random bytes, the same at every desk,
        never given to central (which relays templates only as ciphertext)."""
        return self.root / "site" / "template.key"

    def ensure_template_key(self) -> Path:
        if not self.template_key.exists():
            pki.write_atomic(self.template_key, os.urandom(32), mode=0o600)
        return self.template_key

    def write_ingest_env(self) -> Path:
        """central/ingest.env: the ZHIFANG_MQTT_* lines for central's EnvironmentFile."""
        lines = [
            f"ZHIFANG_MQTT_HOST={self.config.broker_hosts[0]}",
            f"ZHIFANG_MQTT_PORT={self.config.broker_port}",
            f"ZHIFANG_MQTT_TLS_CA={self.ca_cert.resolve()}",
            f"ZHIFANG_MQTT_TLS_CERT={self.ingest_cert.resolve()}",
            f"ZHIFANG_MQTT_TLS_KEY={self.ingest_key.resolve()}",
        ]
        path = self.root / "central" / "ingest.env"
        pki.write_atomic(path, ("\n".join(lines) + "\n").encode(), mode=0o600)
        return path

    # --- devices -----------------------------------------------------------------------

    def _ca(self) -> tuple[Any, Any]:
        return pki.read_key(self.ca_key), pki.read_cert(self.ca_cert)

    def record(self, name: str) -> DeviceRecord:
        path = self.device(name).record
        try:
            return DeviceRecord.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise SiteError(
                f"设备 {name} 未在本站点创建 (no {path}); run add-device first"
            ) from None
        except ValidationError as e:
            raise SiteError(f"{path} is unusable: {e}") from None

    def devices(self) -> list[DeviceRecord]:
        folder = self.root / "devices"
        if not folder.is_dir():
            return []
        return [
            self.record(p.name) for p in sorted(folder.iterdir()) if (p / "device.json").exists()
        ]

    def _save_record(self, rec: DeviceRecord) -> None:
        pki.write_atomic(
            self.device(rec.name).record, rec.model_dump_json(indent=2).encode(), mode=0o644
        )

    def add_device(self, name: str) -> DeviceRecord:
        """Make the box's signing key, TLS key and certificate."""
        paths = self.device(name)
        if paths.record.exists():
            raise SiteError(f"设备 {name} 已存在; use `renew` for a new certificate")
        paths.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(paths.folder, 0o700)
        keys.load_or_create_private_key(paths.signing_key)  # raw Ed25519, 0600, fsynced
        ca_key, ca = self._ca()
        tls_key, cert = pki.issue_client(ca_key, ca, name)
        pki.write_key(paths.tls_key, tls_key)
        pki.write_cert(paths.cert, cert)
        rec = DeviceRecord(
            name=name,
            created_at=dt.datetime.now(dt.UTC),
            serial=cert.serial_number,
            not_after=cert.not_valid_after_utc,
        )
        self._save_record(rec)
        return rec

    def public_key_b64(self, name: str) -> str:
        self.record(name)
        return keys.public_key_b64(keys.load_or_create_private_key(self.device(name).signing_key))

    def renew(self, name: str, *, revoke_old: bool = False) -> DeviceRecord:
        """New TLS key + certificate (new serial); the event signing key stays."""
        rec = self.record(name)
        if rec.revoked_at is not None:
            raise SiteError(f"设备 {name} 已被吊销，不能续期; provision a new device name")
        paths = self.device(name)
        ca_key, ca = self._ca()
        tls_key, cert = pki.issue_client(ca_key, ca, name)
        old = rec.serial
        pki.write_key(paths.tls_key, tls_key)
        pki.write_cert(paths.cert, cert)
        rec.previous_serials.append(old)
        rec.serial, rec.not_after = cert.serial_number, cert.not_valid_after_utc
        self._save_record(rec)
        if revoke_old:
            self._add_revoked([old], name, "superseded")
        return rec

    def renew_service(self, which: str) -> Any:
        """New key and certificate for the broker (``broker``) or central's ingest
        (``central``); returns the certificate. Re-run broker-config afterwards."""
        ca_key, ca = self._ca()
        if which == "broker":
            key, cert = pki.issue_server(ca_key, ca, self.config.broker_hosts)
            pki.write_key(self.server_key, key)
            pki.write_cert(self.server_cert, cert)
        elif which == "central":
            key, cert = pki.issue_client(ca_key, ca, INGEST_USER)
            pki.write_key(self.ingest_key, key)
            pki.write_cert(self.ingest_cert, cert)
        else:
            raise SiteError(f"unknown service {which!r}: broker or central")
        return cert

    def revoke(self, name: str, *, reason: str = "revoked") -> DeviceRecord:
        """Put every certificate the box ever had on the CRL and rewrite crl.pem."""
        rec = self.record(name)
        if rec.revoked_at is None:
            rec.revoked_at, rec.revoke_reason = dt.datetime.now(dt.UTC), reason
            self._save_record(rec)
        self._add_revoked([*rec.previous_serials, rec.serial], name, reason)
        return rec

    # --- CRL ---------------------------------------------------------------------------

    def revocations(self) -> RevocationList:
        try:
            return RevocationList.model_validate_json(self.revoked_file.read_bytes())
        except FileNotFoundError:
            return RevocationList()
        except ValidationError as e:
            raise SiteError(f"{self.revoked_file} is unusable: {e}") from None

    def _save_revoked(self, rl: RevocationList) -> None:
        pki.write_atomic(self.revoked_file, rl.model_dump_json(indent=2).encode(), mode=0o644)

    def _add_revoked(self, serials: list[int], name: str, reason: str) -> None:
        rl = self.revocations()
        known = {e.serial for e in rl.revoked}
        now = dt.datetime.now(dt.UTC)
        for s in serials:
            if s not in known:
                rl.revoked.append(RevokedEntry(serial=s, name=name, revoked_at=now, reason=reason))
        self._save_revoked(rl)
        self.refresh_crl()

    def refresh_crl(self) -> Path:
        """Sign a new CRL (new number, new nextUpdate); run at least monthly."""
        rl = self.revocations()
        rl.number += 1
        ca_key, ca = self._ca()
        entries = [pki.Revoked(e.serial, e.revoked_at) for e in rl.revoked]
        pki.write_crl(self.crl, pki.make_crl(ca_key, ca, entries, number=rl.number))
        self._save_revoked(rl)
        return self.crl
