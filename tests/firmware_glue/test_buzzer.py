"""The buzzer on gpiozero's MockFactory: the pin's history is what a person hears."""

from __future__ import annotations

import time

import pytest

from firmware_glue.buzzer import FakeBuzzer, GpioBuzzer
from firmware_glue.pinmap import load_pinmap


def test_confirm_is_one_beep_and_attention_three() -> None:
    b = FakeBuzzer()
    try:
        b.confirm(wait=True)
        assert b.beeps() == 1 and not b.is_sounding
        b.beep(times=3, on_s=0.01, off_s=0.01, wait=True)
        assert b.beeps() == 4
        assert b.history[0] is False and b.history[-1] is False
    finally:
        b.close()


def test_alarm_sounds_until_silenced() -> None:
    b = FakeBuzzer()
    b.ALARM_ON_S = b.ALARM_OFF_S = 0.01
    try:
        b.alarm()
        deadline = time.monotonic() + 5
        while b.beeps() < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert b.beeps() >= 3
        b.off()
        n = b.beeps()
        time.sleep(0.05)
        assert b.beeps() == n and not b.is_sounding
    finally:
        b.close()


def test_the_pin_comes_from_the_pin_map() -> None:
    from gpiozero.pins.mock import MockFactory

    pinmap = load_pinmap()
    assert pinmap.buzzer is not None
    b = GpioBuzzer.from_pinmap(pinmap, pin_factory=MockFactory())
    assert b.pin == pinmap.buzzer.pin
    b.close()
    no_buzzer = pinmap.model_copy(update={"buzzer": None})
    with pytest.raises(ValueError, match="no \\[buzzer\\]"):
        GpioBuzzer.from_pinmap(no_buzzer, pin_factory=MockFactory())


def test_bad_patterns_are_refused() -> None:
    b = FakeBuzzer()
    try:
        for kw in ({"times": 0}, {"on_s": 0}, {"off_s": -1}):
            with pytest.raises(ValueError):
                b.beep(**kw)  # type: ignore[arg-type]
    finally:
        b.close()


def test_a_buzzer_on_a_button_pin_is_refused(tmp_path) -> None:
    from firmware_glue.pinmap import PinMapError

    text = (tmp_path / "x").parent.joinpath("pinmap.toml")
    base = load_pinmap()
    lines = ["[buzzer]", f"pin = {base.buttons['satisfied'].button}"]
    for rating, p in base.buttons.items():
        lines += [
            f"[buttons.{rating}]",
            f'label = "{p.label}"',
            f"button = {p.button}",
            f"led = {p.led}",
        ]
    text.write_text("\n".join(lines))
    with pytest.raises(PinMapError, match="used twice"):
        load_pinmap(text)
