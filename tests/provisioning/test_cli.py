"""``zhifang provision …`` as an admin types it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from provisioning import central_api
from provisioning.site import Site
from tests.control import CENTRAL_PUBLIC
from zhifang.cli import main

from .live import make_central


def zp(site_dir: Path, *args: str) -> int:
    return main(["provision", "--site-dir", str(site_dir), *args])


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    d = tmp_path / "site"
    assert zp(d, "init-site", "minhou", "--broker-host", "127.0.0.1") == 0
    assert zp(d, "add-device", "desk-01") == 0
    assert zp(d, "pin-central-key", CENTRAL_PUBLIC) == 0
    return d


def test_a_site_from_init_to_bundle(site_dir: Path, tmp_path: Path, capsys: Any) -> None:
    assert zp(site_dir, "broker-config", "--out", str(tmp_path / "broker")) == 0
    assert (tmp_path / "broker" / "mosquitto.conf").exists()
    assert zp(site_dir, "bundle", "desk-01", "--out", str(tmp_path / "sd")) == 0
    assert (tmp_path / "sd" / "box.toml").exists()
    assert zp(site_dir, "push", "desk-01", "--ssh", "pi@desk-01.local", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "rsync" in out and "pi@desk-01.local:/etc/zhifang/box/" in out
    assert zp(site_dir, "list") == 0
    assert "desk-01\tactive" in capsys.readouterr().out


def test_mistakes_get_a_clear_message_and_exit_2(
    site_dir: Path, tmp_path: Path, capsys: Any
) -> None:
    assert zp(tmp_path / "nowhere", "add-device", "desk-02") == 2
    assert "init-site" in capsys.readouterr().err
    assert zp(site_dir, "add-device", "desk-01") == 2
    assert "已存在" in capsys.readouterr().err
    assert zp(site_dir, "add-device", "Desk 9") == 2
    assert zp(site_dir, "bundle", "desk-99", "--out", str(tmp_path / "x")) == 2
    assert "add-device" in capsys.readouterr().err
    assert zp(site_dir, "init-site", "minhou", "--broker-host", "h") == 2
    assert zp(site_dir, "register", "desk-01") == 2  # no central URL anywhere
    assert "--central" in capsys.readouterr().err


def test_renew_and_revoke_update_the_crl_in_the_broker_folder(
    site_dir: Path, tmp_path: Path
) -> None:
    broker = tmp_path / "broker"
    assert zp(site_dir, "broker-config", "--out", str(broker)) == 0
    old = Site.open(site_dir).record("desk-01").serial
    assert zp(site_dir, "renew", "desk-01", "--revoke-old", "--broker-dir", str(broker)) == 0
    crl = x509.load_pem_x509_crl((broker / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(old) is not None
    new = Site.open(site_dir).record("desk-01").serial
    args = ("revoke", "desk-01", "--local-only", "--broker-dir", str(broker))
    assert zp(site_dir, *args) == 0
    crl = x509.load_pem_x509_crl((broker / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(new) is not None
    assert zp(site_dir, "crl", "--broker-dir", str(broker)) == 0


def test_the_broker_and_central_certificates_can_be_renewed(site_dir: Path) -> None:
    site = Site.open(site_dir)
    before = (site.server_cert.read_bytes(), site.ingest_cert.read_bytes())
    assert zp(site_dir, "renew-service", "broker") == 0
    assert zp(site_dir, "renew-service", "central") == 0
    assert site.server_cert.read_bytes() != before[0]
    assert site.ingest_cert.read_bytes() != before[1]


def test_register_and_revoke_at_central(
    site_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    site = Site.open(site_dir)
    central = make_central(tmp_path, site)
    real = central_api.CentralDevices

    def through_test_client(url: str, **kw: Any) -> central_api.CentralDevices:
        assert url == "https://central.example"
        kw.pop("ca_file", None)
        return real(url, client=central.http, **kw)

    monkeypatch.setattr(central_api, "CentralDevices", through_test_client)
    url = ("--central", "https://central.example")
    # without the site's provisioning credential, central is not even asked
    assert zp(site_dir, "register", "desk-01", *url) == 2
    assert "provisioning credential" in capsys.readouterr().err
    (site_dir / "central-provisioning.token").write_text(central.token + "\n")
    assert zp(site_dir, "register", "desk-01", *url) == 0
    assert zp(site_dir, "register", "desk-01", *url) == 0  # again: a no-op
    listed = central.http.get("/api/devices").json()
    assert [(d["name"], d["site"]) for d in listed] == [("desk-01", "minhou")]
    assert listed[0]["public_key"] == site.public_key_b64("desk-01")
    assert zp(site_dir, "revoke", "desk-01", *url) == 0
    assert central.http.get("/api/devices").json()[0]["revoked_at"] is not None
    assert zp(site_dir, "register", "desk-01", *url) == 1  # central refuses a revoked key
    assert "吊销" in capsys.readouterr().err
    central.engine.dispose()


def test_central_unreachable_is_an_error_not_a_crash(
    site_dir: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIFANG_PROVISIONING_TOKEN", "zfp_" + "0" * 16 + "_" + "x" * 30)
    rc = zp(site_dir, "register", "desk-01", "--central", "http://127.0.0.1:9")
    assert rc == 1
    assert "无法连接中心服务" in capsys.readouterr().err
