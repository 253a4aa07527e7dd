"""Fakes that ship with the package: the rating panel on gpiozero's ``MockFactory``.

The panel under test is the real driver (``GpioRatingPanel``); only the pins are
mock. ``MockPin`` changes state instantly and never bounces, so the helpers here
make the edges a real switch would, at times set on a fake clock::

    panel = FakeRatingPanel()
    panel.arm()
    panel.press("dissatisfied", chatter=3)   # contact bounces 3 times each way
    assert panel.chosen == "dissatisfied"
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .buttons import GpioRatingPanel
from .pinmap import PinMap, Rating, load_pinmap


class FakeClock:
    """Milliseconds that only move when told to."""

    def __init__(self, start_ms: int = 1_000) -> None:
        self.now_ms = start_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


class FakeRatingPanel(GpioRatingPanel):
    def __init__(self, pinmap: PinMap | None = None, *, clock: FakeClock | None = None) -> None:
        from gpiozero.pins.mock import MockFactory

        self.clock = clock or FakeClock()
        self.factory = MockFactory()
        super().__init__(pinmap or load_pinmap(), pin_factory=self.factory, clock_ms=self.clock)

    def pin(self, rating: Rating) -> Any:
        """The ``MockPin`` behind a button."""
        return self.factory.pin(self.pinmap.buttons[rating].button)

    def touch(self, rating: Rating) -> None:
        """The contact closes (pin pulled low)."""
        self.pin(rating).drive_low()

    def let_go(self, rating: Rating) -> None:
        """The contact opens (the pull-up takes the pin high)."""
        self.pin(rating).drive_high()

    def edges(self, rating: Rating, script: Iterable[tuple[int, bool]]) -> None:
        """Raw edges: ``(ms after the previous edge, pressed?)``."""
        for delay_ms, pressed in script:
            self.clock.advance(delay_ms)
            self.touch(rating) if pressed else self.let_go(rating)

    def press(self, rating: Rating, *, hold_ms: int = 150, chatter: int = 0) -> None:
        """A person presses and releases; the contact bounces ``chatter`` times each way."""
        bounce = [(1, False), (1, True)] * chatter
        self.edges(rating, [(0, True), *bounce])
        release_bounce = [(1, True), (1, False)] * chatter
        self.edges(rating, [(hold_ms, False), *release_bounce])
        self.clock.advance(200)  # the hand moves away before anything else happens
