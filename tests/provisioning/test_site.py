"""The site folder: CA, device certificates, renewal, revocation, bundle, broker files."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID

from appliance.config import load_config
from protocol import keys
from provisioning import pki
from provisioning.broker import BrokerOptions, acl_text, write_broker_config
from provisioning.bundle import push_command, write_bundle
from provisioning.site import INGEST_USER, Site, SiteConfig, SiteError


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


CENTRAL_KEY = keys.public_key_b64(Ed25519PrivateKey.generate())


@pytest.fixture
def site(tmp_path: Path) -> Site:
    s = Site.init(
        tmp_path / "site",
        SiteConfig(
            name="minhou", broker_hosts=["127.0.0.1", "mqtt.minhou.local"], broker_port=8883
        ),
    )
    s.pin_central_key(CENTRAL_KEY)  # central's command key, as `command-key show` prints it
    return s


def signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
        return True
    except Exception:
        return False


def test_init_site_makes_a_ca_with_private_keys_0600(site: Site) -> None:
    ca = pki.read_cert(site.ca_cert)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert isinstance(pki.read_key(site.ca_key), ec.EllipticCurvePrivateKey)
    for key in (site.ca_key, site.server_key, site.ingest_key):
        assert mode(key) == 0o600
    assert mode(site.root) == 0o700
    server = pki.read_cert(site.server_cert)
    san = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "mqtt.minhou.local" in san.get_values_for_type(x509.DNSName)
    assert signed_by(server, ca)
    assert pki.common_name(pki.read_cert(site.ingest_cert)) == INGEST_USER
    assert Site.open(site.root).config.name == "minhou"


def test_a_second_init_never_replaces_the_ca(site: Site) -> None:
    before = site.ca_key.read_bytes()
    with pytest.raises(SiteError, match="already holds a site"):
        Site.init(site.root, site.config)
    assert site.ca_key.read_bytes() == before


def test_add_device_makes_a_client_certificate_with_cn_and_a_signing_key(site: Site) -> None:
    rec = site.add_device("desk-01")
    paths = site.device("desk-01")
    cert = pki.read_cert(paths.cert)
    assert pki.common_name(cert) == "desk-01"
    assert cert.serial_number == rec.serial
    assert signed_by(cert, pki.read_cert(site.ca_cert))
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    assert mode(paths.tls_key) == 0o600 and mode(paths.signing_key) == 0o600
    key = keys.load_or_create_private_key(paths.signing_key)  # raw Ed25519, as the box reads it
    assert site.public_key_b64("desk-01") == keys.public_key_b64(key)


@pytest.mark.parametrize("bad", ["Desk-01", "desk/01", "central.ingest", "", "-x", "a+b"])
def test_device_names_that_could_escape_the_acl_are_refused(site: Site, bad: str) -> None:
    with pytest.raises(ValueError):
        site.add_device(bad)


def test_adding_a_device_twice_is_refused(site: Site) -> None:
    site.add_device("desk-01")
    with pytest.raises(SiteError, match="已存在"):
        site.add_device("desk-01")


def test_renew_rotates_the_tls_key_and_keeps_the_signing_key(site: Site) -> None:
    first = site.add_device("desk-01")
    paths = site.device("desk-01")
    signing, tls_key = paths.signing_key.read_bytes(), paths.tls_key.read_bytes()
    rec = site.renew("desk-01")
    assert rec.serial != first.serial and rec.previous_serials == [first.serial]
    assert paths.signing_key.read_bytes() == signing
    assert paths.tls_key.read_bytes() != tls_key
    assert pki.read_cert(paths.cert).serial_number == rec.serial
    crl = x509.load_pem_x509_crl(site.crl.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(first.serial) is None  # still valid
    site.renew("desk-01", revoke_old=True)
    crl = x509.load_pem_x509_crl(site.crl.read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(rec.serial) is not None


def test_revoke_puts_every_certificate_of_the_box_on_a_signed_crl(site: Site) -> None:
    first = site.add_device("desk-01")
    second = site.renew("desk-01")
    site.add_device("desk-02")
    number_before = site.revocations().number
    site.revoke("desk-01", reason="stolen")
    crl = x509.load_pem_x509_crl(site.crl.read_bytes())
    ca = pki.read_cert(site.ca_cert)
    assert crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    for serial in (first.serial, second.serial):
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None
    assert crl.get_revoked_certificate_by_serial_number(site.record("desk-02").serial) is None
    assert site.revocations().number == number_before + 1
    assert site.record("desk-01").revoke_reason == "stolen"
    with pytest.raises(SiteError, match="吊销"):
        site.renew("desk-01")
    with pytest.raises(ValueError, match="吊销"):
        write_bundle(site, "desk-01", site.root.parent / "bundle")


def test_the_bundle_is_a_box_config_the_appliance_loads(site: Site, tmp_path: Path) -> None:
    site.add_device("desk-01")
    toml = write_bundle(site, "desk-01", tmp_path / "sdcard" / "box", data_dir="/var/lib/zb")
    cfg = load_config(toml, environ={})
    assert (cfg.site, cfg.device) == ("minhou", "desk-01")
    assert cfg.mqtt.port == 8883 and cfg.mqtt.host == "127.0.0.1"
    assert cfg.mqtt.tls is not None
    assert cfg.mqtt.tls.cert_file == toml.parent / "tls.pem"
    assert cfg.key_file == toml.parent / "device.key"
    assert cfg.data_dir == Path("/var/lib/zb")
    assert cfg.biometrics.enabled is False  # the switch is in the file, off until chosen
    assert cfg.environment == "production" and not cfg.mqtt.allow_plain_mqtt
    assert cfg.central_command_keys == (CENTRAL_KEY,)  # commands: only central's
    assert "[biometrics]" in toml.read_text()
    assert mode(toml.parent / "tls.key") == 0o600 and mode(toml.parent / "device.key") == 0o600
    assert keys.load_or_create_private_key(cfg.key_file)  # mode and size as the box wants
    from appliance.ui.config import load_ui_config

    assert load_ui_config(toml.parent / "ui.toml").central_url is None
    central = site.config.model_copy(update={"central_url": "https://central.example"})
    Site(site.root, central).add_device("desk-02")
    toml2 = write_bundle(Site(site.root, central), "desk-02", tmp_path / "sd2")
    assert load_ui_config(toml2.parent / "ui.toml").central_url == "https://central.example"


def test_push_builds_an_rsync_over_ssh_command(tmp_path: Path) -> None:
    cmd = push_command(tmp_path / "b", "pi@desk-01.local", ssh_port=2222)
    assert cmd[0] == "rsync"
    assert cmd[-2:] == [f"{tmp_path / 'b'}/", "pi@desk-01.local:/etc/zhifang/box/"]
    assert cmd[cmd.index("-e") + 1] == "ssh -p 2222"
    assert "--chmod=D0700,F0600" in cmd and "--chown=zhifang:zhifang" in cmd
    rsync_path = cmd[cmd.index("--rsync-path") + 1]
    assert shlex.split(rsync_path)[-2:] == ["sudo", "rsync"]
    plain = push_command(tmp_path / "b", "box", dest="/home/pi/zb", sudo=False)
    assert "--rsync-path" not in plain and plain[-1] == "box:/home/pi/zb/"
    for bad in ("-oProxyCommand=x", "a b", ""):
        with pytest.raises(ValueError):
            push_command(tmp_path / "b", bad)


def test_acl_confines_each_box_to_its_own_topics() -> None:
    lines = acl_text("minhou").splitlines()
    assert "pattern write zhifang/v1/minhou/%u/event" in lines
    assert "pattern write zhifang/v1/minhou/%u/status" in lines
    assert "pattern write zhifang/v1/minhou/%u/cmd/+/ack" in lines
    assert "pattern read zhifang/v1/minhou/%u/cmd/#" in lines
    user = lines.index(f"user {INGEST_USER}")
    ingest = lines[user + 1 :]
    assert "topic read zhifang/v1/+/+/event" in ingest
    assert "topic write zhifang/v1/+/+/cmd/+" in ingest
    before_user = [ln for ln in lines[:user] if not ln.startswith("#") and ln]
    assert all(ln.startswith("pattern ") for ln in before_user)  # no box gets a 'topic' line


def test_broker_config_has_tls_crl_acl_and_limits(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "broker"
    conf = write_broker_config(
        site, out, BrokerOptions(port=8883, install_dir=Path("/etc/mosquitto/zhifang"))
    )
    text = conf.read_text()
    for line in (
        "listener 8883",
        "require_certificate true",
        "use_identity_as_username true",
        "allow_anonymous false",
        "persistence true",
        "crlfile /etc/mosquitto/zhifang/crl.pem",
        "acl_file /etc/mosquitto/zhifang/acl",
        "max_inflight_messages 100",
        "max_queued_messages 100000",
        "max_queued_bytes 536870912",
        "max_packet_size 131072",
    ):
        assert line in text.splitlines(), line
    assert mode(out / "server.key") == 0o600
    for name in ("acl", "ca.pem", "server.pem", "crl.pem"):
        assert (out / name).exists()


def test_a_bundle_needs_centrals_command_key_pinned(tmp_path: Path) -> None:
    bare = Site.init(tmp_path / "bare", SiteConfig(name="gulou", broker_hosts=["127.0.0.1"]))
    bare.add_device("desk-01")
    with pytest.raises(SiteError, match="pin-central-key"):
        write_bundle(bare, "desk-01", tmp_path / "sd")
    nxt = keys.public_key_b64(Ed25519PrivateKey.generate())
    bare.pin_central_key(CENTRAL_KEY)
    assert bare.pin_central_key(nxt) == [CENTRAL_KEY, nxt]  # a rotation: both pinned
    assert Site.open(bare.root).config.central_command_keys == [CENTRAL_KEY, nxt]
    assert bare.pin_central_key(CENTRAL_KEY, remove=True) == [nxt]
    with pytest.raises(SiteError, match="only command key"):
        bare.pin_central_key(nxt, remove=True)
    cfg = load_config(write_bundle(bare, "desk-01", tmp_path / "sd"), environ={})
    assert cfg.central_command_keys == (nxt,)
