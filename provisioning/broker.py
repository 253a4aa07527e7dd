"""The site's Mosquitto (2.x) configuration: TLS with client certificates, CRL, ACL.

A box's certificate CN is its MQTT user name (``use_identity_as_username``), and the
ACL's ``%u`` patterns confine each box to its own topics, so a box that tries to
publish as another is answered with reason code 135 and the message goes nowhere.

Limits: ``max_packet_size`` refuses (and disconnects) a client that sends a packet
larger than any message of ours (an event is at most 64 KiB, a command or status
16 KiB); ``max_queued_messages`` and ``max_queued_bytes`` bound what the broker queues
for one client while it is away (central down for a day at a busy site fits).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from protocol import topics

from . import pki
from .site import INGEST_USER, Site


def acl_text(site: str, *, ingest_user: str = INGEST_USER) -> str:
    """Mosquitto ``acl_file`` content for one site."""
    root = f"{topics.ROOT}/{topics.check_name('site', site)}"
    return "\n".join(
        [
            "# zhifang: written by `zhifang provision broker-config`; do not edit by hand",
            "# every box (user = certificate CN = device name): only its own topics",
            f"pattern write {root}/%u/{topics.EVENT}",
            f"pattern write {root}/%u/{topics.STATUS}",
            f"pattern write {root}/%u/{topics.CMD}/+/ack",
            f"pattern read {root}/%u/{topics.CMD}/#",
            "",
            "# central's ingest workers: read every box's events, status and command",
            "# acks, send commands (site '+' because ingest subscribes zhifang/v1/+/+/...)",
            f"user {ingest_user}",
            f"topic read {topics.ALL_EVENTS}",
            f"topic read {topics.ALL_STATUS}",
            f"topic read {topics.ALL_COMMAND_ACKS}",
            f"topic write {topics.ROOT}/+/+/{topics.CMD}/+",
            "",
        ]
    )


@dataclass(frozen=True)
class BrokerOptions:
    port: int = 8883
    bind: str | None = None  # None: every interface
    persistence_dir: Path = Path("/var/lib/mosquitto")
    run_as: str | None = None  # Mosquitto's own default ('mosquitto') when None
    max_inflight_messages: int = 100
    max_queued_messages: int = 100_000  # central down for a day at a busy site
    max_queued_bytes: int = 512 * 1024 * 1024  # per client: 100,000 events of ~5 KiB
    # the largest packet a client may send: an event (64 KiB, protocol.envelope) plus
    # its topic and MQTT headers fits with room; anything larger is not ours
    max_packet_size: int = 128 * 1024
    install_dir: Path | None = None  # where the files will live; default: the output folder


def mosquitto_conf(site: Site, files: Path, opts: BrokerOptions) -> str:
    """``mosquitto.conf`` referring to the files in ``files`` (absolute)."""
    listener = f"listener {opts.port}" + (f" {opts.bind}" if opts.bind else "")
    lines = [
        f"# zhifang site {site.name}: written by `zhifang provision broker-config`",
        "# start with: mosquitto -c THIS_FILE (see systemd/mosquitto.service.d/zhifang.conf)",
        "per_listener_settings false",
        "allow_anonymous false",
        "persistence true",
        f"persistence_location {opts.persistence_dir}/",
        "autosave_interval 30",
        "persistent_client_expiration 30d",
        f"max_inflight_messages {opts.max_inflight_messages}",
        f"max_queued_messages {opts.max_queued_messages}",
        f"max_queued_bytes {opts.max_queued_bytes}",
        f"max_packet_size {opts.max_packet_size}",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        "connection_messages true",
        f"acl_file {files / 'acl'}",
    ]
    if opts.run_as:
        lines.append(f"user {opts.run_as}")
    lines += [
        "",
        listener,
        "protocol mqtt",
        f"cafile {files / 'ca.pem'}",
        f"certfile {files / 'server.pem'}",
        f"keyfile {files / 'server.key'}",
        f"crlfile {files / 'crl.pem'}",
        "tls_version tlsv1.2",
        "require_certificate true",
        "use_identity_as_username true",
        "",
    ]
    return "\n".join(lines)


def write_broker_config(site: Site, out: Path, opts: BrokerOptions | None = None) -> Path:
    """Write mosquitto.conf, acl, ca.pem, server.pem/.key and crl.pem into ``out``.

    Returns the config file. Re-run it (or ``install_crl``) after every revocation.
    """
    opts = opts or BrokerOptions()
    out.mkdir(parents=True, exist_ok=True)
    files = (opts.install_dir or out).resolve()
    for src, name in ((site.ca_cert, "ca.pem"), (site.server_cert, "server.pem")):
        pki.write_atomic(out / name, src.read_bytes(), mode=0o644)
    pki.write_atomic(out / "server.key", site.server_key.read_bytes(), mode=0o600)
    install_crl(site, out)
    pki.write_atomic(out / "acl", acl_text(site.name).encode(), mode=0o644)
    conf = out / "mosquitto.conf"
    pki.write_atomic(conf, mosquitto_conf(site, files, opts).encode(), mode=0o644)
    return conf


def install_crl(site: Site, out: Path) -> Path:
    """Copy the site's current CRL next to the broker config (atomically)."""
    dest = out / "crl.pem"
    pki.write_atomic(dest, site.crl.read_bytes(), mode=0o644)
    return dest


def chown_for_broker(out: Path, user: str = "mosquitto") -> None:
    """Let the broker's user read its key (when run as root on the broker host)."""
    shutil.chown(out / "server.key", user=user)
