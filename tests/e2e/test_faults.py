"""Faults, box → broker → central for real, each ending in exact counts at central:
every event the box committed is stored once — nothing lost, nothing doubled."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from protocol import topics
from tests.e2e.conftest import Site, box_outbox_seq, wait_for
from tests.e2e.harness import CuttableLink

pytestmark = pytest.mark.slow

RECEPTIONS = 60  # × 7 events each: a busy day at one desk, sent as fast as it can go


def assert_exact(site: Site, device: str, committed: int, cfg: Path | None = None) -> None:
    """Central holds seq 1..committed of ``device``, each once. With ``cfg``, the box
    runs meanwhile as it does in the field, so it can answer central's resends."""
    assert committed > 0
    box = site.run_box(cfg) if cfg is not None else None
    try:
        wait_for(
            f"{committed} events of {device} at central",
            lambda: site.events(device) >= committed,
            timeout=90,
        )
    finally:
        if box is not None:
            box.send_signal(signal.SIGTERM)
            box.wait(20)
    time.sleep(0.5)  # anything doubled would land now
    assert site.seqs(device) == list(range(1, committed + 1)), "lost or doubled events"
    assert site.distinct_event_ids(device) == committed
    assert site.quarantine() == []


def test_broker_killed_and_restarted_mid_stream(site: Site) -> None:
    cfg = site.add_box("desk-a")
    site.start_central()
    box = site.run_box(
        cfg, "--simulate", str(RECEPTIONS), "--exit-when-drained", "--drain-timeout", "120"
    )
    wait_for("the stream to start", lambda: site.events("desk-a") >= 20)
    # SIGKILL: the broker loses whatever it had not yet saved; the box re-sends what
    # was not acknowledged, central asks for any gap to be resent
    site.broker.stop(signal.SIGKILL)
    time.sleep(1)
    site.broker.start()
    assert box.wait(150) == 0
    assert_exact(site, "desk-a", box_outbox_seq(cfg), cfg)


def test_central_killed_mid_ingest_and_restarted(site: Site) -> None:
    cfg = site.add_box("desk-b")
    small_batches = {"ZHIFANG_INGEST_BATCH_MAX": "10"}  # so the kill lands mid-stream
    site.start_central(**small_batches)
    box = site.run_box(
        cfg, "--simulate", str(3 * RECEPTIONS), "--exit-when-drained", "--drain-timeout", "120"
    )
    wait_for("ingest under way", lambda: site.events("desk-b") >= 30, timeout=90)
    site.kill_central()
    stored_at_kill = site.events("desk-b")
    time.sleep(1)
    site.start_central(**small_batches)
    assert box.wait(150) == 0
    assert_exact(site, "desk-b", box_outbox_seq(cfg), cfg)
    assert stored_at_kill < box_outbox_seq(cfg), "the kill came too late to test anything"


def test_box_killed_mid_publish_resumes_from_its_outbox(site: Site) -> None:
    cfg = site.add_box("desk-c")
    site.start_central()
    box = site.run_box(cfg, "--simulate", str(RECEPTIONS))
    wait_for("publishing under way", lambda: site.events("desk-c") >= 10)
    box.send_signal(signal.SIGKILL)
    box.wait(10)
    committed = box_outbox_seq(cfg)
    again = site.run_box(cfg, "--exit-when-drained", "--drain-timeout", "120")
    assert again.wait(150) == 0
    assert_exact(site, "desk-c", committed, cfg)


def test_network_to_the_broker_cut_for_30_seconds(site: Site) -> None:
    from appliance.box import Box
    from appliance.config import load_config
    from appliance.simulate import DEMO_PERSON

    link = CuttableLink(site.broker.port)
    cfg = site.add_box("desk-d", port=link.port)
    site.start_central()
    box = Box(load_config(cfg, environ={})).start()

    def reception() -> None:  # a whole reception at the desk, as the officer does it
        r = box.new_reception()
        r.start("officer-1")
        r.identify(DEMO_PERSON, method="id_number", outcome="verified")
        r.step("register", fields={"诉求": "申请监督"})
        r.rate("satisfied")
        r.end()

    try:
        for _ in range(10):
            reception()
        wait_for("the first receptions at central", lambda: site.events("desk-d") >= 50)
        link.cut()
        for _ in range(10):  # the desk goes on working while the cable is out
            reception()
        time.sleep(30)
        assert box.outbox.pending_count() > 0, "events acknowledged with the network down?"
        assert site.events("desk-d") < box.outbox.last_seq()
        link.restore()
        assert box.wait_drained(60), box.outbox.counts()
        committed = box.outbox.last_seq()
    finally:
        box.stop()
        link.close()
    assert committed == 100
    assert_exact(site, "desk-d", committed)


def _publish_raw(port: int, topic: str, payloads: list[bytes]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.connect("127.0.0.1", port)
    c.loop_start()
    for p in payloads:
        c.publish(topic, p, qos=1).wait_for_publish(10)
    c.loop_stop()
    c.disconnect()


def test_one_message_delivered_twice_is_stored_once(site: Site) -> None:
    cfg = site.add_box("desk-e")
    site.start_central()
    assert site.run_box(cfg, "--simulate", "1", "--exit-when-drained").wait(60) == 0
    n = box_outbox_seq(cfg)
    assert_exact(site, "desk-e", n)
    import sqlite3

    with sqlite3.connect(cfg.parent / "outbox.sqlite3") as db:
        wire = db.execute("select wire from outbox where seq = ?", (n,)).fetchone()[0]
    _publish_raw(site.broker.port, topics.event_topic(site.site, "desk-e"), [bytes(wire)] * 2)
    time.sleep(2)
    assert_exact(site, "desk-e", n)


def test_bad_messages_are_quarantined_while_ingest_keeps_running(site: Site) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from protocol.envelope import seal
    from protocol.messages import RatingGiven

    cfg = site.add_box("desk-f")
    site.start_central()
    assert site.run_box(cfg, "--simulate", "1", "--exit-when-drained").wait(60) == 0
    n = box_outbox_seq(cfg)
    assert_exact(site, "desk-f", n)

    body = RatingGiven(
        reception_id="01937a2b-4c00-7d00-8e00-0000000000a1", rating="dissatisfied", at=1
    )
    stranger = Ed25519PrivateKey.generate()
    forged = seal(key=stranger, device="desk-f", seq=n + 1, body=body).to_wire()
    unknown = seal(key=stranger, device="desk-zz", seq=1, body=body).to_wire()
    wrong_schema = forged.replace(b'"schema":1', b'"schema":7')
    garbage = bytes(range(256)) * 4096  # 1 MiB
    not_utf8 = b'{"event_id":"\xff\xfe"}'
    topic = topics.event_topic(site.site, "desk-f")
    _publish_raw(site.broker.port, topic, [forged, wrong_schema, garbage, not_utf8])
    _publish_raw(site.broker.port, topics.event_topic(site.site, "desk-zz"), [unknown])

    wait_for("five quarantined messages", lambda: len(site.quarantine()) >= 5, timeout=30)
    reasons = sorted(r for r, _ in site.quarantine())
    assert reasons == sorted(
        ["bad_signature", "bad_signature", "too_large", "not_utf8", "unknown_device"]
    ) or reasons == sorted(
        ["bad_signature", "unsupported_schema", "too_large", "not_utf8", "unknown_device"]
    ), reasons
    assert all(detail for _, detail in site.quarantine()), "every reason needs its words"

    # and ingest is still running: a new reception arrives whole
    assert site.run_box(cfg, "--simulate", "1", "--exit-when-drained").wait(60) == 0
    m = box_outbox_seq(cfg)
    wait_for("the next reception", lambda: site.events("desk-f") >= m)
    assert site.seqs("desk-f") == list(range(1, m + 1))
