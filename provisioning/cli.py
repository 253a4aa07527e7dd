"""``zhifang provision …``: set up a site — CA, boxes, broker config, bundles, central.

The site folder (``--site-dir``, or ``$ZHIFANG_SITE_DIR``, default ``./site``) holds
the CA key: keep it on the admin's machine and back it up (docs/operate.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("provision", help="站点开通：证书、设备、代理配置、配置包")
    p.add_argument(
        "--site-dir",
        type=Path,
        default=Path(os.environ.get("ZHIFANG_SITE_DIR", "site")),
        help="the site's provisioning folder (default $ZHIFANG_SITE_DIR or ./site)",
    )
    ps = p.add_subparsers(dest="provision_command", required=True)

    s = ps.add_parser("init-site", help="make the site CA and the broker's/central's certificates")
    s.add_argument("name", help="site name (the {site} in MQTT topics), e.g. minhou")
    s.add_argument(
        "--broker-host",
        action="append",
        required=True,
        help="broker host name or IP the boxes connect to (repeat for several)",
    )
    s.add_argument("--broker-port", type=int, default=8883, help="broker TLS port")
    s.add_argument("--central", help="central's URL, e.g. https://zhifang.example:8000")
    s.set_defaults(func=cmd_init_site)

    s = ps.add_parser("add-device", help="make a box's signing key and client certificate")
    s.add_argument("name", help="device name = certificate CN, e.g. desk-01")
    s.set_defaults(func=cmd_add_device)

    s = ps.add_parser("list", help="list the site's boxes and their certificates")
    s.set_defaults(func=cmd_list)

    s = ps.add_parser("broker-config", help="write the Mosquitto config, ACL, CRL and TLS files")
    s.add_argument("--out", type=Path, required=True, help="folder to write into")
    s.add_argument(
        "--install-dir",
        type=Path,
        help="where the files will live on the broker host (default: --out)",
    )
    s.add_argument("--port", type=int, default=8883)
    s.add_argument("--bind", help="listen address (default: all interfaces)")
    s.add_argument("--persistence-dir", type=Path, default=Path("/var/lib/mosquitto"))
    s.add_argument("--user", help="user Mosquitto runs as (default: Mosquitto's own)")
    s.set_defaults(func=cmd_broker_config)

    s = ps.add_parser("crl", help="sign a fresh CRL (do it at least monthly)")
    s.add_argument("--broker-dir", type=Path, help="also copy it into this broker config folder")
    s.set_defaults(func=cmd_crl)

    s = ps.add_parser("bundle", help="write a box's config bundle (for its SD card)")
    s.add_argument("name")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--data-dir", default="/var/lib/zhifang/box", help="box's data folder")
    s.set_defaults(func=cmd_bundle)

    s = ps.add_parser("push", help="copy a box's bundle to it over SSH (rsync)")
    s.add_argument("name")
    s.add_argument("--ssh", required=True, metavar="[USER@]HOST", help="the box's SSH address")
    s.add_argument("--dest", default="/etc/zhifang/box", help="folder on the box")
    s.add_argument("--ssh-port", type=int)
    s.add_argument("--no-sudo", action="store_true", help="write as the SSH user, not root")
    s.add_argument("--data-dir", default="/var/lib/zhifang/box", help="box's data folder")
    s.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
    s.set_defaults(func=cmd_push)

    s = ps.add_parser(
        "pin-central-key", help="pin (or unpin) a central command key in every bundle made next"
    )
    s.add_argument("key", help="base64 public key from `zhifang central command-key show|stage`")
    s.add_argument("--remove", action="store_true", help="unpin it (after a rotation)")
    s.set_defaults(func=cmd_pin_central_key)

    s = ps.add_parser("register", help="register the box (name, site, public key) at central")
    s.add_argument("name")
    _central_args(s)
    s.set_defaults(func=cmd_register)

    s = ps.add_parser("renew", help="new TLS key and certificate; the signing key stays")
    s.add_argument("name")
    s.add_argument(
        "--revoke-old", action="store_true", help="put the old certificate on the CRL at once"
    )
    s.add_argument("--broker-dir", type=Path, help="copy the new CRL into this broker folder")
    s.set_defaults(func=cmd_renew)

    s = ps.add_parser("renew-service", help="new certificate for the broker or central's ingest")
    s.add_argument("service", choices=["broker", "central"])
    s.set_defaults(func=cmd_renew_service)

    s = ps.add_parser("revoke", help="revoke a box: CRL for the broker, and at central")
    s.add_argument("name")
    s.add_argument("--reason", default="revoked", help="why (kept in ca/revoked.json)")
    s.add_argument("--broker-dir", type=Path, help="copy the new CRL into this broker folder")
    s.add_argument("--local-only", action="store_true", help="do not tell central")
    _central_args(s)
    s.set_defaults(func=cmd_revoke)


def _central_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--central", help="central's URL (default: site.toml's central_url)")
    s.add_argument("--ca-file", help="CA bundle to check central's HTTPS certificate")
    s.add_argument(
        "--token-file",
        type=Path,
        help="the site's provisioning credential (zfp_…), issued by central's admin with "
        "`zhifang central provisioning issue --site SITE`; default: the environment "
        f"variable {TOKEN_ENV}, else <site-dir>/central-provisioning.token",
    )


TOKEN_ENV = "ZHIFANG_PROVISIONING_TOKEN"


def _token(args: argparse.Namespace) -> str:
    """The provisioning credential: --token-file, the environment, or the site folder."""
    path = args.token_file or Path(args.site_dir) / "central-provisioning.token"
    if args.token_file is None and os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    try:
        return path.read_text().strip()
    except OSError as e:
        raise ValueError(
            f"no provisioning credential: {path} cannot be read ({e.strerror}); ask central's "
            f"admin for one (`zhifang central provisioning issue --site …`) and pass "
            f"--token-file, or set {TOKEN_ENV}"
        ) from None


def _err(msg: str) -> int:
    print(f"错误 / error: {msg}", file=sys.stderr)
    return 2


def _site(args: argparse.Namespace) -> Any:
    from .site import Site

    return Site.open(args.site_dir)


def _run(fn: Any, args: argparse.Namespace) -> int:
    from .central_api import CentralError
    from .pki import PkiError
    from .site import SiteError

    try:
        return int(fn(args))
    except (SiteError, PkiError, ValueError, PermissionError) as e:
        return _err(str(e))
    except CentralError as e:
        print(f"错误 / error: {e}", file=sys.stderr)
        return 1


def cmd_init_site(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        from pydantic import ValidationError

        from .site import Site, SiteConfig

        try:
            cfg = SiteConfig(
                name=a.name,
                broker_hosts=a.broker_host,
                broker_port=a.broker_port,
                central_url=a.central,
            )
        except ValidationError as e:
            return _err(str(e))
        site = Site.init(a.site_dir, cfg)
        print(f"site {cfg.name} ready in {site.root} (CA {site.ca_cert}; keep ca/ca.key safe)")
        return 0

    return _run(go, args)


def cmd_add_device(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        site = _site(a)
        rec = site.add_device(a.name)
        print(f"device {rec.name}: serial {rec.serial:x}, valid to {rec.not_after:%Y-%m-%d}")
        print(f"public key {site.public_key_b64(rec.name)}")
        return 0

    return _run(go, args)


def cmd_list(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        for rec in _site(a).devices():
            state = f"revoked {rec.revoked_at:%Y-%m-%d}" if rec.revoked_at else "active"
            print(f"{rec.name}\t{state}\tserial {rec.serial:x}\tvalid to {rec.not_after:%Y-%m-%d}")
        return 0

    return _run(go, args)


def cmd_broker_config(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        from .broker import BrokerOptions, write_broker_config

        opts = BrokerOptions(
            port=a.port,
            bind=a.bind,
            persistence_dir=a.persistence_dir,
            run_as=a.user,
            install_dir=a.install_dir,
        )
        conf = write_broker_config(_site(a), a.out, opts)
        print(f"wrote {conf} (+ acl, ca.pem, server.pem, server.key, crl.pem)")
        return 0

    return _run(go, args)


def _copy_crl(site: Any, broker_dir: Path | None) -> None:
    from .broker import install_crl

    if broker_dir is not None:
        install_crl(site, broker_dir)
        print(
            f"CRL copied to {broker_dir}; now `systemctl reload mosquitto` (refuses new "
            "connections) or `restart` (also drops an open one)"
        )
    else:
        print(f"new CRL {site.crl}: copy it to the broker and reload it (see docs/operate.md)")


def cmd_crl(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        site = _site(a)
        site.refresh_crl()
        _copy_crl(site, a.broker_dir)
        return 0

    return _run(go, args)


def cmd_bundle(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        from .bundle import write_bundle

        toml = write_bundle(_site(a), a.name, a.out, data_dir=a.data_dir)
        print(f"bundle for {a.name} in {toml.parent}: copy it to the box's /etc/zhifang/box")
        return 0

    return _run(go, args)


def cmd_pin_central_key(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        pinned = _site(a).pin_central_key(a.key, remove=a.remove)
        print(f"central command keys pinned: {len(pinned)}; make and push the bundles again")
        return 0

    return _run(go, args)


def cmd_push(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        import shlex

        from .bundle import push_command, write_bundle

        site = _site(a)
        with tempfile.TemporaryDirectory(prefix="zhifang-bundle-") as tmp:
            out = Path(tmp) / a.name
            write_bundle(site, a.name, out, data_dir=a.data_dir)
            cmd = push_command(out, a.ssh, dest=a.dest, sudo=not a.no_sudo, ssh_port=a.ssh_port)
            print(shlex.join(cmd))
            if a.dry_run:
                return 0
            rc = subprocess.call(cmd)
        if rc != 0:
            print(f"错误 / error: rsync exited {rc}; nothing else changed", file=sys.stderr)
            return 1
        print("pushed; on the box: sudo systemctl restart zhifang-box")
        return 0

    return _run(go, args)


def _central(args: argparse.Namespace, site: Any) -> Any:
    from .central_api import CentralDevices

    url = args.central or site.config.central_url
    if not url:
        raise ValueError("no central URL: pass --central URL (or set central_url in site.toml)")
    return CentralDevices(url, token=_token(args), ca_file=args.ca_file)


def cmd_register(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        site = _site(a)
        key = site.public_key_b64(a.name)
        dev = _central(a, site).register(name=a.name, site=site.name, public_key=key)
        print(f"registered {dev['name']} at central (site {dev['site']})")
        return 0

    return _run(go, args)


def cmd_renew(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        site = _site(a)
        rec = site.renew(a.name, revoke_old=a.revoke_old)
        print(
            f"device {rec.name}: new certificate serial {rec.serial:x}, valid to "
            f"{rec.not_after:%Y-%m-%d}; signing key unchanged. Push the new bundle."
        )
        if a.revoke_old:
            _copy_crl(site, a.broker_dir)
        return 0

    return _run(go, args)


def cmd_renew_service(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        cert = _site(a).renew_service(a.service)
        print(
            f"{a.service}: new certificate serial {cert.serial_number:x}, valid to "
            f"{cert.not_valid_after_utc:%Y-%m-%d}"
        )
        if a.service == "broker":
            print("now re-run broker-config and restart the broker (docs/operate.md)")
        else:
            print("now restart zhifang-ingest@* (they read central/ingest.pem / ingest.key)")
        return 0

    return _run(go, args)


def cmd_revoke(args: argparse.Namespace) -> int:
    def go(a: argparse.Namespace) -> int:
        site = _site(a)
        rec = site.revoke(a.name, reason=a.reason)
        print(f"device {rec.name}: every certificate it had is on the CRL")
        _copy_crl(site, a.broker_dir)
        if a.local_only:
            print("central not told (--local-only): its events are still accepted there")
            return 0
        _central(a, site).revoke(a.name, reason=a.reason)
        print("revoked at central: its events are quarantined (revoked_device) from now on")
        return 0

    return _run(go, args)
