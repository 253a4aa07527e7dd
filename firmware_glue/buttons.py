"""The petitioner's rating panel: 满意 / 基本满意 / 不满意 buttons with their LEDs.

Layers (like gpiozero's own): the pure policies (``Debouncer``, ``OneRatingPolicy``)
take edges with timestamps and know nothing of pins; ``RatingPanel`` is the interface
the appliance uses; ``GpioRatingPanel`` is the driver on gpiozero (real pins, or
gpiozero's ``MockFactory`` in tests — see ``firmware_glue.fakes``).

We debounce ourselves rather than with gpiozero's ``bounce_time``: the policy is then
tested with exact bouncy edge sequences, which MockPin cannot produce on its own.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from .pinmap import RATINGS, PinMap, Rating

OnRating = Callable[[Rating], None]


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class Debouncer:
    """Leading-edge debounce of one contact.

    A press edge counts when the contact was quiet (no edge at all) for ``quiet_ms``
    before it: bounce after a press, and bounce on release, both fall inside that
    window and are ignored. The press is reported on its first edge, so the LED
    answers at once.
    """

    def __init__(self, quiet_ms: int) -> None:
        self.quiet_ms = quiet_ms
        self._last_edge: int | None = None

    def edge(self, pressed: bool, at_ms: int) -> bool:
        """Feed one edge; True if it is a genuine new press."""
        quiet = self._last_edge is None or at_ms - self._last_edge >= self.quiet_ms
        self._last_edge = at_ms
        return pressed and quiet


class OneRatingPolicy:
    """One rating per reception: armed at the end, the first valid press wins.

    Presses while disarmed or after the choice are ignored and counted
    (``ignored``), so a petitioner hammering 不满意 is visible, not recorded twice.
    """

    def __init__(self, quiet_ms: int) -> None:
        self._debounce = {r: Debouncer(quiet_ms) for r in RATINGS}
        self.armed = False
        self.chosen: Rating | None = None
        self.ignored = 0

    def arm(self) -> None:
        self.armed, self.chosen = True, None

    def disarm(self) -> None:
        self.armed = False

    def edge(self, rating: Rating, pressed: bool, at_ms: int) -> Rating | None:
        """Feed one button edge; returns the rating when this press is the choice."""
        if not self._debounce[rating].edge(pressed, at_ms):
            return None
        if not self.armed or self.chosen is not None:
            self.ignored += 1
            return None
        self.chosen = rating
        return rating

    def lit(self) -> set[Rating]:
        """Which LEDs are on: all while waiting for a press, then only the choice."""
        if self.chosen is not None:
            return {self.chosen}
        return set(RATINGS) if self.armed else set()


class RatingPanel(ABC):
    """What the appliance needs from the rating hardware.

    Subclasses must implement ``arm``, ``disarm``, ``chosen``, ``ignored_presses``
    and ``close``; ``wait_for_rating`` works on top of them.
    """

    @abstractmethod
    def arm(self, on_rating: OnRating | None = None) -> None:
        """Accept one rating from now on; ``on_rating`` is called with it."""

    @abstractmethod
    def disarm(self) -> None:
        """Stop accepting presses and turn the LEDs off."""

    @property
    @abstractmethod
    def chosen(self) -> Rating | None:
        """The rating given since the last ``arm``, if any."""

    @property
    @abstractmethod
    def ignored_presses(self) -> int:
        """Valid presses that were not taken (disarmed, or a rating already given)."""

    @abstractmethod
    def close(self) -> None:
        """Release the pins."""

    def wait_for_rating(self, timeout: float) -> Rating | None:
        deadline = time.monotonic() + timeout
        while self.chosen is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.chosen


class GpioRatingPanel(RatingPanel):
    """Three gpiozero ``Button``s (to ground, pull-up) and three ``LED``s."""

    def __init__(
        self,
        pinmap: PinMap,
        *,
        pin_factory: Any = None,
        clock_ms: Callable[[], int] = monotonic_ms,
    ) -> None:
        from gpiozero import LED, Button  # importing gpiozero needs no hardware; pins do

        self.pinmap = pinmap
        self._clock_ms = clock_ms
        self._lock = threading.Lock()
        self._policy = OneRatingPolicy(pinmap.debounce.quiet_ms)
        self._on_rating: OnRating | None = None
        self.buttons: dict[Rating, Any] = {}
        self.leds: dict[Rating, Any] = {}
        try:
            for rating in RATINGS:
                pins = pinmap.buttons[rating]
                btn = Button(pins.button, pull_up=True, bounce_time=None, pin_factory=pin_factory)
                btn.when_pressed = self._handler(rating, True)
                btn.when_released = self._handler(rating, False)
                self.buttons[rating] = btn
                self.leds[rating] = LED(pins.led, pin_factory=pin_factory)
        except Exception:
            self.close()
            raise

    def _handler(self, rating: Rating, pressed: bool) -> Callable[[], None]:
        return lambda: self._edge(rating, pressed)

    def _edge(self, rating: Rating, pressed: bool) -> None:
        with self._lock:
            chosen = self._policy.edge(rating, pressed, self._clock_ms())
            if chosen is None:
                return
            self._show()
            callback = self._on_rating
        if callback is not None:
            callback(chosen)

    def _show(self) -> None:
        lit = self._policy.lit()
        for rating, led in self.leds.items():
            led.on() if rating in lit else led.off()

    def arm(self, on_rating: OnRating | None = None) -> None:
        with self._lock:
            self._on_rating = on_rating
            self._policy.arm()
            self._show()

    def disarm(self) -> None:
        with self._lock:
            self._policy.disarm()
            self._on_rating = None
            for led in self.leds.values():
                led.off()

    @property
    def chosen(self) -> Rating | None:
        return self._policy.chosen

    @property
    def ignored_presses(self) -> int:
        return self._policy.ignored

    def lit(self) -> set[Rating]:
        """Which LEDs are on, read back from the pins."""
        return {r for r, led in self.leds.items() if led.is_lit}

    def close(self) -> None:
        for dev in [*self.buttons.values(), *self.leds.values()]:
            dev.close()
        self.buttons.clear()
        self.leds.clear()
