"""The board files agree with the pin map and are well-formed."""

from __future__ import annotations

import re
from pathlib import Path

from firmware_glue.pinmap import load_pinmap

BOARD = Path(__file__).resolve().parents[2] / "firmware_glue" / "board"


def gpio_lines() -> dict[str, set[int]]:
    """config.txt's gpio=PINS=MODE lines, by mode."""
    out: dict[str, set[int]] = {}
    for line in (BOARD / "config.txt").read_text().splitlines():
        m = re.fullmatch(r"gpio=([\d,]+)=([a-z,]+)", line.strip())
        if m:
            out.setdefault(m.group(2), set()).update(int(p) for p in m.group(1).split(","))
    return out


def test_config_txt_sets_every_pin_of_the_pin_map() -> None:
    pm = load_pinmap()
    modes = gpio_lines()
    assert modes["ip,pu"] == {p.button for p in pm.buttons.values()}
    outputs = {p.led for p in pm.buttons.values()} | ({pm.buzzer.pin} if pm.buzzer else set())
    assert modes["op,dl"] == outputs
    text = (BOARD / "config.txt").read_text()
    assert "dtparam=watchdog=on" in text and "camera_auto_detect=1" in text


def test_udev_rules_are_key_op_value_lists() -> None:
    pair = r'[A-Z_]+(\{[a-zA-Z_]+\})?(==|!=|=|\+=)"[^"]*"'
    rules = [
        ln
        for ln in (BOARD / "99-zhifang.rules").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert rules
    for ln in rules:
        assert re.fullmatch(rf"{pair}(, {pair})*", ln), ln
    text = "\n".join(rules)
    for group in ("gpio", "video", "audio"):
        assert f'GROUP="{group}"' in text
    assert 'ATTR{id}="zhifangmic"' in text


def test_asound_conf_defines_the_microphone_on_the_udev_card_name() -> None:
    text = (BOARD / "asound.conf").read_text()
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    assert body.count("{") == body.count("}")
    assert 'pcm "hw:zhifangmic,0"' in body
    assert "pcm.zhifang_mic {" in body and 'capture.pcm "zhifang_mic"' in body
