"""No ID number in clear at rest (#13): after box → broker → central runs with a
petitioner identified by ID number — and messages central has to quarantine, some
carrying the number — no table, log file or quarantine row at central holds it.

The search is for the number itself and its lower-case form, in every row of every
table (bytes as bytes), in every file under central's data folder (the SQLite file and
its WAL included) and in central's log."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import inspect, text

from appliance.simulate import DEMO_PERSON
from protocol import keys, topics
from protocol.canonical import canonical_json
from protocol.envelope import seal
from protocol.messages import IdentityChecked
from tests.e2e.conftest import Site, wait_for
from tests.e2e.harness import Broker, zhifang

pytestmark = pytest.mark.slow

ID = DEMO_PERSON.id_number or ""
NEEDLES = [ID.encode(), ID.lower().encode(), ID[:17].encode()]


def found_in(data: bytes) -> bool:
    return any(n in data for n in NEEDLES)


def rows_holding_the_number(site: Site) -> list[str]:
    hits = []
    with site.engine.connect() as c:
        for table in inspect(site.engine).get_table_names():
            for row in c.execute(text(f'select * from "{table}"')):
                for v in row:
                    if isinstance(v, memoryview):
                        v = bytes(v)
                    if isinstance(v, dict | list):
                        v = json.dumps(v, ensure_ascii=False)
                    blob = v if isinstance(v, bytes) else str(v).encode()
                    if found_in(blob):
                        hits.append(f"{table}: {blob[:120]!r}")
    return hits


def files_holding_the_number(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and found_in(p.read_bytes())]


def publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="zf-hostile", protocol=mqtt.MQTTv5)
    c.connect("127.0.0.1", port)
    c.loop_start()
    try:
        for topic, payload in messages:
            c.publish(topic, payload, qos=1).wait_for_publish(10)
    finally:
        c.disconnect()
        c.loop_stop()


def test_after_a_run_no_table_log_or_quarantine_row_holds_the_id_number(
    site: Site, tmp_path: Path
) -> None:
    cfg = site.add_box("desk-a")
    log_file = tmp_path / "central.log"
    with log_file.open("wb") as log:
        site.central = zhifang("central", "ingest", env=site.env, stderr=log, stdout=log)
        box = site.run_box(cfg, "--simulate", "2", "--exit-when-drained", "--drain-timeout", "90")
        assert box.wait(120) == 0
        wait_for("14 events at central", lambda: site.events("desk-a") >= 14)

        # what central must quarantine, each carrying the number: a body that does not
        # validate (its error quotes the input), a forged signature, plain garbage
        key = keys.load_or_create_private_key(cfg.parent / "device.key")
        person = DEMO_PERSON.model_dump(mode="json")
        body = {"reception_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "officer_id": "o",
                "subject": "petitioner", "method": "id_number", "outcome": "verified",
                "person": {**person, "nickname": "extra field"}}  # fmt: skip
        unsigned = {"event_id": "01900000-0000-7000-8000-000000000001", "device": "desk-a",
                    "seq": 10**9, "ts": 1, "type": "identity.checked", "schema": 1,
                    "body": body}  # fmt: skip
        bad_body = {**unsigned, "sig": keys.b64e(key.sign(canonical_json(unsigned)))}
        ident = IdentityChecked(
            reception_id=body["reception_id"], officer_id="o", subject="petitioner",
            method="id_number", outcome="verified", person=DEMO_PERSON,
        )  # fmt: skip
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        forged = seal(key=Ed25519PrivateKey.generate(), device="desk-a", seq=10**9 + 1, body=ident)
        topic = topics.event_topic(site.site, "desk-a")
        publish(
            site.broker.port,
            [
                (topic, canonical_json(bad_body)),
                (topic, forged.to_wire()),
                (topic, b"not json " + ID.encode()),
                (f"zhifang/v1/{site.site}/{ID}/event", b"{}"),  # a "device" named by it
            ],
        )
        wait_for("4 quarantined", lambda: len(site.quarantine()) >= 4)
        time.sleep(0.5)
        site.central.send_signal(signal.SIGTERM)
        site.central.wait(20)

    reasons = sorted(r for r, _ in site.quarantine())
    assert reasons == ["bad_body", "bad_envelope", "bad_signature", "not_json"]
    assert rows_holding_the_number(site) == []
    assert not found_in(log_file.read_bytes()), "central's log holds the ID number"
    assert files_holding_the_number(site.tmp / "central") == []
    # ... and what is kept can still be verified as the box signed it
    out = site.cli("central", "events", "verify")
    assert "14 as signed by their box, 0 with a problem" in out


def test_after_the_demo_no_file_at_central_holds_the_id_number(tmp_path: Path) -> None:
    """``zhifang demo --once`` (SQLite, evidence upload, console account): every file under
    central's folder, the SQLite file and its WAL included, and everything it printed."""
    broker = Broker(tmp_path / "broker")
    broker.start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "zhifang", "demo", "--once", "--port", "0",
             "--mqtt-port", str(broker.port), "--data-dir", str(tmp_path / "demo")],
            capture_output=True, timeout=240,
            env={k: v for k, v in os.environ.items() if not k.startswith("ZHIFANG_")},
        )  # fmt: skip
    finally:
        broker.stop(signal.SIGKILL)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert b"zhifang demo: ok" in out.stdout
    central = tmp_path / "demo" / "central"
    assert (central / "central.db").exists()
    assert files_holding_the_number(central) == []
    assert not found_in(out.stdout + out.stderr), "the demo's output holds the ID number"
    # the box keeps its own outbox (the signed events, in clear, on the desk): by design
    assert files_holding_the_number(tmp_path / "demo" / "box")
