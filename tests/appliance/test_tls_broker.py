"""The box over TLS with a client certificate, under DESIGN.md's broker ACL."""

from __future__ import annotations

from pathlib import Path

from appliance.box import Box
from appliance.config import BoxConfig, parse_config

from .brokers import Mosquitto
from .conftest import rating_body, unique, wait_for
from .tls_certs import make_pki

# each box may write only under its own device name (= its certificate's CN)
ACL = "pattern write zhifang/v1/+/%u/#\npattern read zhifang/v1/+/%u/cmd/#\n"


def tls_config(tmp_path: Path, port: int, *, device: str, cert: str) -> BoxConfig:
    return parse_config(
        {
            "site": unique("site"),
            "device": device,
            "data_dir": "data",
            "mqtt": {
                "port": port,
                "reconnect_min_s": 0.1,
                "reconnect_max_s": 0.5,
                "retry_rejected_s": 0.2,
                "tls": {
                    "ca_file": "pki/ca.pem",
                    "cert_file": f"pki/{cert}.pem",
                    "key_file": f"pki/{cert}.key",
                },
            },
        },
        base_dir=tmp_path,
    )


def test_a_box_with_its_own_certificate_delivers(tmp_path):
    make_pki(tmp_path / "pki", clients=["desk-01"])
    broker = Mosquitto(tmp_path / "broker", acl=ACL, tls=tmp_path / "pki").start()
    box = Box(tls_config(tmp_path, broker.port, device="desk-01", cert="desk-01")).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(20)])
        # no central listens on this broker, so the broker answers 16 (no subscribers),
        # which it does only after the ACL let the publish through; 135 would be refusal
        wait_for(lambda: box.forwarder.stats.no_subscribers >= 1, 20, "accepted publishes")
        assert box.forwarder.stats.rejected == 0
        assert box.forwarder.stats.not_authorised == 0
    finally:
        box.stop()
        broker.stop()


def test_a_box_publishing_as_another_device_is_refused_with_135(tmp_path):
    make_pki(tmp_path / "pki", clients=["desk-01"])
    broker = Mosquitto(tmp_path / "broker", acl=ACL, tls=tmp_path / "pki").start()
    # mis-provisioned: configured as desk-02 but holding desk-01's certificate
    box = Box(tls_config(tmp_path, broker.port, device="desk-02", cert="desk-01")).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(3)])
        wait_for(lambda: box.forwarder.stats.not_authorised >= 3, 15, "refusals")
        assert box.outbox.counts()["acked"] == 0
        assert box.outbox.pending_count() == 3
        assert box.forwarder.stats.status_rejected >= 1  # its status topic is not its own either
    finally:
        box.stop()
        broker.stop()
