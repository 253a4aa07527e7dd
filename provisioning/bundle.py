"""A box's config bundle: everything the box needs, in one folder.

    box.toml     the appliance config (site, device, broker, TLS paths relative to it, and
                 the central command keys it pins: commands signed by others are refused)
    template.key the site's biometric template key (0600; same at every desk of the site)
    ui.toml      the touchscreen's settings ([ui]: central's URL for dossier look-ups)
    ca.pem       the site CA (checks the broker's certificate)
    tls.pem      the box's client certificate; tls.key its key (0600)
    device.key   the box's Ed25519 event-signing key (0600)

Copy the folder to the SD card's ``/etc/zhifang/box`` (see docs/install-pi.md), or
``push`` it over SSH. Paths in box.toml are relative, so the folder can move.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from . import pki
from .site import Site, SiteError, toml_table

DEFAULT_DATA_DIR = "/var/lib/zhifang/box"
DEFAULT_REMOTE_DIR = "/etc/zhifang/box"


def box_toml(site: Site, name: str, *, data_dir: str = DEFAULT_DATA_DIR) -> str:
    cfg = site.config
    return (
        f"# 智访 box {name} at site {cfg.name}: written by `zhifang provision bundle`\n"
        + toml_table(
            {
                "environment": "production",  # TLS to the broker, always (box.toml: mqtt.tls)
                # central's command keys: the box carries out only commands they signed
                "central_command_keys": list(cfg.central_command_keys),
                "site": cfg.name,
                "device": name,
                "data_dir": data_dir,
                "key_path": "device.key",
                "central_url": cfg.central_url,
                "template_key_path": "template.key",
            }
        )
        + "\n[mqtt]\n"
        + toml_table({"host": cfg.broker_hosts[0], "port": cfg.broker_port})
        + "\n[mqtt.tls]\n"
        + toml_table({"ca_file": "ca.pem", "cert_file": "tls.pem", "key_file": "tls.key"})
        + "\n# face/voice at the desk, only with the petitioner's separate consent (and never\n"
        "# the only way: the ID number stays on every page); needs `make models`\n"
        "[biometrics]\nenabled = false\n"
    )


def write_bundle(site: Site, name: str, out: Path, *, data_dir: str = DEFAULT_DATA_DIR) -> Path:
    """Write the bundle of box ``name`` into ``out``; returns box.toml's path."""
    rec = site.record(name)
    if rec.revoked_at is not None:
        raise ValueError(
            f"设备 {name} 已被吊销 (revoked {rec.revoked_at:%Y-%m-%d}); no bundle made"
        )
    if not site.config.central_command_keys:
        raise SiteError(
            "no central command key pinned, so the box would refuse every command: on "
            "central run `zhifang central command-key show`, then here `zhifang provision "
            "pin-central-key KEY`"
        )
    paths = site.device(name)
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    pki.write_atomic(out / "ca.pem", site.ca_cert.read_bytes(), mode=0o644)
    pki.write_atomic(out / "tls.pem", paths.cert.read_bytes(), mode=0o644)
    pki.write_atomic(out / "tls.key", paths.tls_key.read_bytes(), mode=0o600)
    pki.write_atomic(out / "device.key", paths.signing_key.read_bytes(), mode=0o600)
    key = site.ensure_template_key().read_bytes()
    pki.write_atomic(out / "template.key", key, mode=0o600)
    ui = "# 智访 touchscreen settings (appliance/ui/config.py)\n[ui]\n"
    ui += toml_table({"central_url": site.config.central_url})
    pki.write_atomic(out / "ui.toml", ui.encode(), mode=0o644)
    toml = out / "box.toml"
    pki.write_atomic(toml, box_toml(site, name, data_dir=data_dir).encode(), mode=0o644)
    return toml


def push_command(
    bundle: Path,
    host: str,
    *,
    dest: str = DEFAULT_REMOTE_DIR,
    sudo: bool = True,
    ssh_port: int | None = None,
    owner: str = "zhifang",
) -> list[str]:
    """The rsync command that copies ``bundle`` to ``host:dest`` over SSH.

    ``--chmod`` keeps the keys 0600 and the folder 0700 whatever the local umask;
    ``--rsync-path 'sudo rsync'`` lets an ordinary login account write under /etc.
    """
    if not host or host.startswith("-") or any(c.isspace() for c in host):
        raise ValueError(f"bad SSH host {host!r}")
    ssh = ["ssh"] + (["-p", str(ssh_port)] if ssh_port else [])
    cmd = [
        "rsync",
        "--recursive",
        "--times",
        "--checksum",
        "--chmod=D0700,F0600",
        "-e",
        shlex.join(ssh),
    ]
    if sudo:  # root writes under /etc; the files then belong to the box's service user
        cmd += [
            f"--chown={owner}:{owner}",
            "--rsync-path",
            "sudo mkdir -p " + shlex.quote(dest) + " && sudo rsync",
        ]
    cmd += [f"{bundle.as_posix().rstrip('/')}/", f"{host}:{dest.rstrip('/')}/"]
    return cmd
