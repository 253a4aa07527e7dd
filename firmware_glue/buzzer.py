"""The desk's buzzer: short confirmations, attention calls, and an alarm until silenced.

``Buzzer`` is the interface the appliance uses; ``GpioBuzzer`` drives an active
buzzer through gpiozero (lgpio on a Pi 5, ``MockFactory`` in tests); ``FakeBuzzer``
is that same driver on mock pins, so tests read the pin's history.

Subclasses of ``Buzzer`` must implement ``beep``, ``alarm``, ``off``, ``is_sounding``
and ``close``; ``confirm`` and ``attention`` are patterns built on ``beep``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from itertools import pairwise
from typing import Any

from .pinmap import PinMap, load_pinmap


class Buzzer(ABC):
    @abstractmethod
    def beep(
        self, *, times: int = 1, on_s: float = 0.1, off_s: float = 0.1, wait: bool = False
    ) -> None:
        """Sound ``times`` times; returns at once unless ``wait``."""

    @abstractmethod
    def alarm(self) -> None:
        """Sound a repeating pattern until ``off`` (recording failed, spool full)."""

    @abstractmethod
    def off(self) -> None:
        """Silence now, whatever is playing."""

    @property
    @abstractmethod
    def is_sounding(self) -> bool:
        """Whether the buzzer is on at this instant."""

    @abstractmethod
    def close(self) -> None:
        """Release the pin."""

    def confirm(self, *, wait: bool = False) -> None:
        """One short beep: a rating was taken."""
        self.beep(times=1, on_s=0.08, off_s=0.0, wait=wait)

    def attention(self, *, wait: bool = False) -> None:
        """Three beeps: the officer is needed at the desk."""
        self.beep(times=3, on_s=0.15, off_s=0.1, wait=wait)


class GpioBuzzer(Buzzer):
    """An active buzzer on one GPIO (high = sound)."""

    ALARM_ON_S, ALARM_OFF_S = 0.5, 0.5

    def __init__(self, pin: int, *, pin_factory: Any = None) -> None:
        from gpiozero import Buzzer as GpioZeroBuzzer  # importing gpiozero needs no hardware

        self.pin = pin
        self._dev = GpioZeroBuzzer(pin, pin_factory=pin_factory)

    @classmethod
    def from_pinmap(cls, pinmap: PinMap | None = None, *, pin_factory: Any = None) -> GpioBuzzer:
        pinmap = pinmap or load_pinmap()
        if pinmap.buzzer is None:
            raise ValueError("the pin map has no [buzzer] section: this desk has no buzzer")
        return cls(pinmap.buzzer.pin, pin_factory=pin_factory)

    def beep(
        self, *, times: int = 1, on_s: float = 0.1, off_s: float = 0.1, wait: bool = False
    ) -> None:
        if times < 1 or on_s <= 0 or off_s < 0:
            raise ValueError(f"bad beep pattern: times={times}, on_s={on_s}, off_s={off_s}")
        self._dev.beep(on_time=on_s, off_time=off_s, n=times, background=not wait)

    def alarm(self) -> None:
        self._dev.beep(on_time=self.ALARM_ON_S, off_time=self.ALARM_OFF_S, n=None, background=True)

    def off(self) -> None:
        self._dev.off()  # also stops a background beep thread

    @property
    def is_sounding(self) -> bool:
        return bool(self._dev.is_active)

    def close(self) -> None:
        self._dev.close()


class FakeBuzzer(GpioBuzzer):
    """``GpioBuzzer`` on gpiozero's ``MockFactory``; ``history`` is the pin's states."""

    def __init__(self, pin: int = 26) -> None:
        from gpiozero.pins.mock import MockFactory

        self.factory = MockFactory()
        super().__init__(pin, pin_factory=self.factory)

    @property
    def history(self) -> list[bool]:
        """Each state the pin took, oldest first (starts with the initial off)."""
        return [bool(s.state) for s in self.factory.pin(self.pin).states]

    def beeps(self) -> int:
        """How many times it has sounded so far (rising edges)."""
        h = self.history
        return sum(1 for a, b in pairwise(h) if b and not a)
