from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "box.toml"
    p.write_text(text, "utf-8")
    return p


GOOD = """
site = "minhou"
device = "desk-01"
data_dir = "state"

[mqtt]
host = "127.0.0.1"
port = 8883
keepalive_s = 20

[mqtt.tls]
ca_file = "tls/ca.pem"
cert_file = "tls/desk-01.pem"
key_file = "/etc/zhifang/desk-01.key"

[officer]
default_id = "officer-7"
"""


def test_a_good_file_loads_with_paths_relative_to_the_file(tmp_path):
    cfg = load_config(write(tmp_path, GOOD), environ={})
    assert (cfg.site, cfg.device, cfg.mqtt.port, cfg.mqtt.keepalive_s) == (
        "minhou", "desk-01", 8883, 20,
    )  # fmt: skip
    assert cfg.data_dir == tmp_path.resolve() / "state"
    assert cfg.key_file == tmp_path.resolve() / "state" / "device.key"
    assert cfg.mqtt.tls is not None
    assert cfg.mqtt.tls.ca_file == tmp_path.resolve() / "tls" / "ca.pem"
    assert cfg.mqtt.tls.key_file == Path("/etc/zhifang/desk-01.key")
    assert cfg.client_id == "zhifang-box-desk-01"
    assert cfg.officer.default_id == "officer-7"


def test_environment_overrides_nested_keys(tmp_path):
    env = {"ZHIFANG_BOX_MQTT__PORT": "1884", "ZHIFANG_BOX_SITE": "fuzhou", "OTHER": "x"}
    cfg = load_config(write(tmp_path, GOOD), environ=env)
    assert cfg.mqtt.port == 1884
    assert cfg.site == "fuzhou"


def test_errors_name_each_bad_key(tmp_path):
    bad = 'site = "Min Hou"\ndevice = "d"\ndata_dir = "x"\ncolour = "red"\n[mqtt]\nport = 70000\n'
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, bad), environ={})
    text = str(e.value)
    assert "site:" in text and "Min Hou" in text
    assert "mqtt.port:" in text and "65535" in text
    assert "colour: unknown key" in text
    assert str(tmp_path) in text


def test_missing_required_keys_are_listed(tmp_path):
    with pytest.raises(ConfigError, match=r"device: Field required"):
        load_config(write(tmp_path, 'site = "a"\ndata_dir = "x"\n'), environ={})


def test_an_override_that_is_not_valid_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"mqtt.keepalive_s"):
        load_config(write(tmp_path, GOOD), environ={"ZHIFANG_BOX_MQTT__KEEPALIVE_S": "soon"})


def test_not_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "site = \n"), environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})
    (tmp_path / "latin1.toml").write_bytes(b'site = "\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "latin1.toml", environ={})
