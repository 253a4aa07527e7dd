"""The box against a real Mosquitto: delivery, retained status, last will, reconnect, 135."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from appliance.box import Box
from appliance.config import BoxConfig, parse_config
from protocol import control, topics
from protocol.envelope import decode
from tests.control import CENTRAL_PUBLIC, command

from .brokers import Mosquitto, Subscriber, retained
from .conftest import rating_body, unique, wait_for

ROOT = Path(__file__).resolve().parents[2]


def config_for(tmp_path: Path, port: int, **mqtt: object) -> BoxConfig:
    return parse_config(
        {
            "environment": "development",  # a plain test broker (production needs TLS)
            "central_command_keys": [CENTRAL_PUBLIC],
            "site": unique("site"),
            "device": unique("box"),
            "data_dir": str(tmp_path / "data"),
            "mqtt": {
                "host": "127.0.0.1",
                "port": port,
                "keepalive_s": 5,
                "reconnect_min_s": 0.1,
                "reconnect_max_s": 0.5,
                "retry_rejected_s": 0.2,
                **mqtt,
            },
        },
        base_dir=tmp_path,
    )


def state(payload: bytes | None) -> str | None:
    return None if payload is None else control.parse(control.SignedStatus, payload).state


def toml_head(cfg: BoxConfig) -> str:
    """box.toml's first lines for ``cfg``: plain test broker, central's test key pinned."""
    return (
        f'environment = "development"\ncentral_command_keys = ["{CENTRAL_PUBLIC}"]\n'
        f'site = "{cfg.site}"\ndevice = "{cfg.device}"\ndata_dir = "data"\n'
    )


def seqs(sub: Subscriber, cfg: BoxConfig) -> list[int]:
    return [decode(m.payload).seq for m in sub.on(topics.event_topic(cfg.site, cfg.device))]


def test_every_event_arrives_once_and_status_is_retained_online(tmp_path, need_broker):
    cfg = config_for(tmp_path, 1883)
    sub = Subscriber(1883, topics.event_topic(cfg.site, cfg.device))
    box = Box(cfg).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(150)])
        for i in range(50):
            box.outbox.append(rating_body(1000 + i))
        assert box.wait_drained(30), box.outbox.counts()
        wait_for(lambda: len(seqs(sub, cfg)) >= 200, 10, "200 events at the subscriber")
        assert Counter(seqs(sub, cfg)) == Counter(range(1, 201))  # each seq exactly once
        for m in sub.on(topics.event_topic(cfg.site, cfg.device)):
            decode(m.payload).verify(box.key.public_key())
        assert state(retained(1883, topics.status_topic(cfg.site, cfg.device))) == "online"
    finally:
        box.stop()
        sub.close()
    # a clean stop replaces the retained status with offline
    assert state(retained(1883, topics.status_topic(cfg.site, cfg.device))) == "offline"


RUN_BOX = """
import sys, time
from pathlib import Path
from appliance.box import Box
from appliance.config import load_config
box = Box(load_config(Path(sys.argv[1]))).start()
print("started", flush=True)
time.sleep(600)
"""


def test_last_will_offline_when_the_box_process_dies(tmp_path, need_broker):
    cfg = config_for(tmp_path, 1883)
    conf = tmp_path / "box.toml"
    conf.write_text(toml_head(cfg) + "[mqtt]\nport = 1883\nkeepalive_s = 5\n")
    status_topic = topics.status_topic(cfg.site, cfg.device)
    sub = Subscriber(1883, status_topic)
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_BOX, str(conf)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        wait_for(
            lambda: any(state(m.payload) == "online" for m in sub.on(status_topic)), 15, "online"
        )
        os.kill(proc.pid, signal.SIGKILL)  # pull the plug: no clean DISCONNECT
        proc.wait(10)
        wait_for(lambda: state(sub.on(status_topic)[-1].payload) == "offline", 15, "last will")
        assert state(retained(1883, status_topic)) == "offline"  # retained for newcomers
    finally:
        proc.kill()
        proc.wait()
        sub.close()


def test_reconnects_after_the_broker_restarts_and_delivers_everything(tmp_path):
    broker = Mosquitto(tmp_path / "broker").start()
    cfg = config_for(tmp_path, broker.port)
    event_topic = topics.event_topic(cfg.site, cfg.device)
    status_topic = topics.status_topic(cfg.site, cfg.device)
    sub = Subscriber(broker.port, f"zhifang/v1/{cfg.site}/#")
    box = Box(cfg).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(30)])
        assert box.wait_drained(20)
        broker.stop()  # the connection drops
        wait_for(lambda: not box.forwarder.stats.connected, 10, "box to notice")
        box.outbox.append_many([rating_body(100 + i) for i in range(30)])  # queued meanwhile
        assert box.outbox.pending_count() == 30
        broker.start()  # same port, same persistent sessions
        assert box.wait_drained(30), box.outbox.counts()
        wait_for(lambda: set(seqs(sub, cfg)) >= set(range(1, 61)), 20, "all 60 at the subscriber")
        assert set(seqs(sub, cfg)) == set(range(1, 61))  # nothing lost (QoS 1 may repeat)
        assert box.forwarder.stats.connects >= 2
        onlines = [m for m in sub.on(status_topic) if state(m.payload) == "online"]
        assert len(onlines) >= 2  # online re-published after the reconnect
        assert state(retained(broker.port, status_topic)) == "online"
        assert sub.on(event_topic)
    finally:
        box.stop()
        sub.close()
        broker.stop()


def test_a_publish_the_acl_refuses_is_not_counted_as_delivered(tmp_path):
    # anonymous clients may write status but not events: Mosquitto answers 135 (MQTT v5)
    broker = Mosquitto(
        tmp_path / "broker", acl="topic read zhifang/#\ntopic write zhifang/v1/+/+/status\n"
    ).start()
    cfg = config_for(tmp_path, broker.port)
    box = Box(cfg).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(3)])
        wait_for(lambda: box.forwarder.stats.not_authorised >= 3, 15, "three 135 refusals")
        assert not box.wait_drained(0.5)
        assert box.outbox.counts()["acked"] == 0
        assert box.outbox.pending_count() == 3
        assert "(135)" in box.forwarder.stats.last_error
    finally:
        box.stop()
        broker.stop()


def test_reconnects_after_a_broker_crash(tmp_path):
    broker = Mosquitto(tmp_path / "broker").start()
    cfg = config_for(tmp_path, broker.port)
    # central's stand-in: without a subscriber the box rightly keeps its events (PUBACK 16)
    central = Subscriber(broker.port, topics.event_topic(cfg.site, cfg.device))
    box = Box(cfg).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(5)])
        assert box.wait_drained(20)
        broker.stop(signal.SIGKILL)  # crash: the broker loses what it had not saved
        box.outbox.append_many([rating_body(10 + i) for i in range(5)])
        broker.start()
        assert box.wait_drained(30), box.outbox.counts()  # every PUBACK came from the new broker
        assert box.forwarder.stats.connects >= 2
        status_topic = topics.status_topic(cfg.site, cfg.device)
        assert state(retained(broker.port, status_topic)) == "online"  # re-published
    finally:
        box.stop()
        central.close()
        broker.stop()


def test_resend_command_over_the_broker(tmp_path, need_broker):
    import paho.mqtt.publish as publish
    from paho.mqtt.client import MQTTv5

    cfg = config_for(tmp_path, 1883)
    sub = Subscriber(1883, f"zhifang/v1/{cfg.site}/{cfg.device}/#")
    box = Box(cfg).start()
    try:
        box.outbox.append_many([rating_body(i) for i in range(5)])
        assert box.wait_drained(20)
        wait_for(lambda: len(seqs(sub, cfg)) >= 5, 10, "first five")
        cmd = command(cfg.site, cfg.device, "resend", "gap-1", {"from_seq": 2, "to_seq": 3})
        publish.single(
            topics.command_topic(cfg.site, cfg.device, "resend"), cmd, qos=1,
            hostname="127.0.0.1", port=1883, protocol=MQTTv5,
        )  # fmt: skip
        ack_topic = topics.command_ack_topic(cfg.site, cfg.device, "resend")
        wait_for(lambda: bool(sub.on(ack_topic)), 10, "the command ack")
        ack = control.parse(control.SignedAck, sub.on(ack_topic)[0].payload)
        ack.verify(box.key.public_key())
        assert (ack.cmd_id, ack.ok) == ("gap-1", True)
        wait_for(lambda: len(seqs(sub, cfg)) >= 7, 10, "the resent events")
        assert sorted(seqs(sub, cfg)) == [1, 2, 2, 3, 3, 4, 5]
        assert box.wait_drained(10)
    finally:
        box.stop()
        sub.close()


def test_the_session_persists_so_commands_sent_while_off_arrive_later(tmp_path, need_broker):
    import paho.mqtt.publish as publish
    from paho.mqtt.client import MQTTv5

    cfg = config_for(tmp_path, 1883)
    # central's stand-in: with no subscriber the broker answers PUBACK 16 and the box
    # rightly keeps its events pending (a fresh broker has no central session yet)
    central = Subscriber(1883, topics.event_topic(cfg.site, cfg.device))
    box = Box(cfg).start()
    box.outbox.append_many([rating_body(i) for i in range(3)])
    assert box.wait_drained(20)
    box.stop()  # the box is switched off; its session (and subscription) stays
    cmd = command(cfg.site, cfg.device, "resend", "while-off", {"from_seq": 1, "to_seq": 3})
    publish.single(
        topics.command_topic(cfg.site, cfg.device, "resend"), cmd, qos=1,
        hostname="127.0.0.1", port=1883, protocol=MQTTv5,
    )  # fmt: skip
    box = Box(cfg).start()  # same client id, clean_start=False
    try:
        wait_for(lambda: box.forwarder.stats.commands_served == 1, 10, "the queued command")
        assert box.forwarder.stats.session_present
        assert box.wait_drained(20)
    finally:
        box.stop()
        central.close()


def test_a_box_killed_mid_publish_resumes_from_its_outbox(tmp_path, need_broker):
    from appliance.outbox import Outbox
    from protocol import keys

    cfg = config_for(tmp_path, 1883)
    conf = tmp_path / "box.toml"
    conf.write_text(toml_head(cfg) + "[mqtt]\nport = 1883\nkeepalive_s = 5\ninflight_window = 20\n")
    key = keys.load_or_create_private_key(cfg.key_file)
    with Outbox(cfg.outbox_file, device=cfg.device, key=key) as ob:
        for i in range(0, 6000, 500):
            ob.append_many([rating_body(j) for j in range(i, i + 500)])
    sub = Subscriber(1883, topics.event_topic(cfg.site, cfg.device))
    cmd = [sys.executable, "-m", "zhifang", "appliance", "run", "--config", str(conf)]
    proc = subprocess.Popen([*cmd, "--log-level", "WARNING"], cwd=ROOT)
    try:
        wait_for(lambda: len(seqs(sub, cfg)) >= 300, 30, "the first 300 events")
        os.kill(proc.pid, signal.SIGKILL)  # mid-publish
        proc.wait(10)
        assert len(set(seqs(sub, cfg))) < 6000, "finished before the kill; nothing was tested"
        done = subprocess.run(
            [*cmd, "--exit-when-drained", "--timeout", "60", "--log-level", "WARNING"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 0, done.stderr
        wait_for(lambda: set(seqs(sub, cfg)) == set(range(1, 6001)), 30, "all 6000 events")
    finally:
        proc.kill()
        proc.wait()
        sub.close()


def test_sigterm_stops_the_box_cleanly_with_offline_retained(tmp_path, need_broker):
    cfg = config_for(tmp_path, 1883)
    conf = tmp_path / "box.toml"
    conf.write_text(toml_head(cfg))
    status_topic = topics.status_topic(cfg.site, cfg.device)
    sub = Subscriber(1883, status_topic)
    cmd = [sys.executable, "-m", "zhifang", "appliance", "run", "--config", str(conf)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_for(
            lambda: any(state(m.payload) == "online" for m in sub.on(status_topic)), 15, "online"
        )
        proc.send_signal(signal.SIGTERM)  # what systemd does on stop
        assert proc.wait(15) == 0
        assert state(retained(1883, status_topic)) == "offline"
    finally:
        proc.kill()
        proc.wait()
        sub.close()
