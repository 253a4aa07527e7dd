from __future__ import annotations

import argparse
import logging
import stat

from appliance import cli
from protocol import keys
from tests.control import CENTRAL_PUBLIC


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def write_config(
    tmp_path, site: str, device: str, port: int = 1883, *, env: str = "development", mqtt: str = ""
):
    p = tmp_path / "box.toml"
    p.write_text(
        f'environment = "{env}"\ncentral_command_keys = ["{CENTRAL_PUBLIC}"]\n'
        f'site = "{site}"\ndevice = "{device}"\ndata_dir = "data"\n[mqtt]\nport = {port}\n{mqtt}'
    )
    return p


def test_keygen_prints_the_public_key_and_keeps_it(tmp_path, capsys):
    conf = write_config(tmp_path, "s1", "desk-1")
    assert run(["appliance", "keygen", "--config", str(conf)]) == 0
    first = capsys.readouterr().out.strip()
    key_file = tmp_path / "data" / "device.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first == keys.public_key_b64(keys.load_or_create_private_key(key_file))
    assert run(["appliance", "keygen", "--config", str(conf)]) == 0
    assert capsys.readouterr().out.strip() == first


def test_a_bad_config_exits_2_with_the_key_named(tmp_path, capsys):
    p = tmp_path / "box.toml"
    p.write_text('site = "s"\ndevice = "d"\ndata_dir = "x"\n[mqtt]\nport = "eighty"\n')
    assert run(["appliance", "run", "--config", str(p)]) == 2
    assert "mqtt.port" in capsys.readouterr().err


def test_run_simulate_exits_0_when_drained(tmp_path, capsys, need_broker, box_config):
    from protocol import topics

    from .brokers import Subscriber

    conf = write_config(tmp_path, box_config.site, box_config.device)
    # central's stand-in: without a subscriber the broker answers PUBACK 16 (no
    # matching subscribers) and the box keeps its events, so it would never drain
    central = Subscriber(1883, topics.event_topic(box_config.site, box_config.device))
    try:
        code = run(["appliance", "run", "--config", str(conf), "--simulate", "2",
                    "--exit-when-drained", "--timeout", "30"])  # fmt: skip
    finally:
        central.close()
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("reception ") == 2
    assert "'acked': 14" in out


def test_run_exits_1_when_not_drained_in_time(tmp_path, capsys):
    from .brokers import free_port

    conf = write_config(tmp_path, "s1", "desk-1", port=free_port())  # nobody listens
    code = run(["appliance", "run", "--config", str(conf), "--simulate", "1",
                "--exit-when-drained", "--drain-timeout", "0.5"])  # fmt: skip
    assert code == 1
    assert "not drained" in capsys.readouterr().err


def test_plain_mqtt_is_refused_in_production(tmp_path, capsys):
    from .brokers import free_port

    conf = write_config(tmp_path, "s1", "desk-1", port=free_port(), env="production")
    assert run(["appliance", "run", "--config", str(conf), "--exit-when-drained",
                "--drain-timeout", "0.5"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "refusing plain MQTT" in err and "[mqtt.tls]" in err
    assert not (tmp_path / "data" / "outbox.sqlite3").exists()  # refused before any state


def test_plain_mqtt_allowed_in_production_only_explicitly_and_with_a_warning(
    tmp_path, capsys, caplog
):
    from .brokers import free_port

    caplog.set_level(logging.WARNING)
    conf = write_config(
        tmp_path, "s1", "desk-1", port=free_port(), env="production",
        mqtt="allow_plain_mqtt = true\n",
    )  # fmt: skip
    code = run(["appliance", "run", "--config", str(conf), "--exit-when-drained",
                "--drain-timeout", "0.3"])  # fmt: skip
    assert code == 0  # nothing to drain: it ran
    assert "plain MQTT to 127.0.0.1" in caplog.text and "allow_plain_mqtt" in caplog.text
