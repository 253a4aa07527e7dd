from __future__ import annotations

import pytest

from firmware_glue.pinmap import RATINGS, PinMapError, load_pinmap


def test_the_packaged_pinmap_loads():
    pm = load_pinmap()
    assert set(pm.buttons) == set(RATINGS)
    assert [pm.buttons[r].label for r in RATINGS] == ["满意", "基本满意", "不满意"]


def write(tmp_path, text):
    p = tmp_path / "pinmap.toml"
    p.write_text(text, "utf-8")
    return p


BASE = """
[buttons.satisfied]
label = "满意"
button = 5
led = 16
[buttons.basically_satisfied]
label = "基本满意"
button = 6
led = 20
"""


def test_a_missing_button_is_named(tmp_path):
    with pytest.raises(PinMapError, match="missing dissatisfied"):
        load_pinmap(write(tmp_path, BASE))


def test_a_pin_used_twice_is_named(tmp_path):
    text = BASE + '[buttons.dissatisfied]\nlabel = "不满意"\nbutton = 5\nled = 21\n'
    with pytest.raises(PinMapError, match=r"GPIO 5 is used twice"):
        load_pinmap(write(tmp_path, text))


def test_unknown_keys_and_bad_pins_are_named(tmp_path):
    text = BASE + '[buttons.dissatisfied]\nlabel = "不满意"\nbutton = 40\nled = 21\ncolour = 1\n'
    with pytest.raises(PinMapError) as e:
        load_pinmap(write(tmp_path, text))
    assert "buttons.dissatisfied.button" in str(e.value)
    assert "buttons.dissatisfied.colour: unknown key" in str(e.value)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(PinMapError, match="does not exist"):
        load_pinmap(tmp_path / "nope.toml")
    with pytest.raises(PinMapError, match="cannot be read"):
        load_pinmap(write(tmp_path, "[buttons\n"))
