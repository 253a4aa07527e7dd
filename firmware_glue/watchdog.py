"""systemd service notification and watchdog (sd_notify), in a few lines of our own.

The protocol: datagrams of ``KEY=VALUE`` lines sent to the unix socket named in
``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract namespace). ``READY=1``
ends a ``Type=notify`` unit's start-up; ``WATCHDOG=1`` must then come at least every
``$WATCHDOG_USEC`` microseconds or systemd kills and restarts the service
(``WatchdogSec=`` in the unit). We ping at half that interval.

Ping from the loop whose hanging you want to catch (``ping_if_due`` is cheap; call it
every turn), never from a timer thread of its own: a thread that pings regardless
would keep a hung box alive.

``Watchdog`` subclasses must implement ``send``; everything else is built on it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping

log = logging.getLogger(__name__)


class Watchdog(ABC):
    def __init__(
        self, *, interval_s: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval_s = interval_s  # how often to ping; None: no watchdog configured
        self._clock = clock
        self._last_ping: float | None = None

    @abstractmethod
    def send(self, message: str) -> bool:
        """Deliver one notification datagram; False if it could not be sent."""

    def notify(self, **fields: str | int) -> bool:
        lines = [f"{k}={_one_line(str(v))}" for k, v in fields.items()]
        return self.send("\n".join(lines))

    def ready(self, status: str | None = None) -> bool:
        """Start-up is complete (and, optionally, what the service is doing)."""
        fields: dict[str, str | int] = {"READY": 1}
        if status is not None:
            fields["STATUS"] = status
        ok = self.notify(**fields)
        self._last_ping = self._clock()  # READY counts as the first sign of life
        return ok

    def status(self, text: str) -> bool:
        """A one-line status shown by ``systemctl status``."""
        return self.notify(STATUS=text)

    def ping(self) -> bool:
        self._last_ping = self._clock()
        return self.notify(WATCHDOG=1)

    def ping_if_due(self, *, healthy: bool = True) -> bool:
        """Ping if half the watchdog interval has passed and the caller is healthy.

        Returns True when a ping was sent. Not healthy means no ping: systemd then
        restarts the service once the interval runs out.
        """
        if self.interval_s is None or not healthy:
            return False
        now = self._clock()
        if self._last_ping is not None and now - self._last_ping < self.interval_s:
            return False
        return self.ping()

    def stopping(self, status: str | None = None) -> bool:
        fields: dict[str, str | int] = {"STOPPING": 1}
        if status is not None:
            fields["STATUS"] = status
        return self.notify(**fields)


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


class SdNotifyWatchdog(Watchdog):
    """Sends to the systemd notification socket ``address`` (path or ``@abstract``)."""

    def __init__(
        self,
        address: str,
        *,
        interval_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(interval_s=interval_s, clock=clock)
        if not address or address[0] not in "/@":
            raise ValueError(f"NOTIFY_SOCKET {address!r} is neither a path nor @abstract")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setblocking(False)  # never let a full socket stall the caller's loop

    def send(self, message: str) -> bool:
        try:
            self._sock.sendto(message.encode("utf-8"), self.address)
            return True
        except OSError as e:  # systemd gone or socket full: log, keep running
            log.warning("sd_notify to %r failed: %s", self.address, e)
            return False

    def close(self) -> None:
        self._sock.close()


class NullWatchdog(Watchdog):
    """Not started by systemd (no ``$NOTIFY_SOCKET``): notifications go nowhere."""

    def send(self, message: str) -> bool:
        return False


class FakeWatchdog(Watchdog):
    """Records what would have been sent; ``messages`` holds each datagram's fields."""

    def __init__(
        self, *, interval_s: float | None = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(interval_s=interval_s, clock=clock)
        self.messages: list[dict[str, str]] = []

    def send(self, message: str) -> bool:
        self.messages.append(dict(line.split("=", 1) for line in message.split("\n")))
        return True

    def sent(self, key: str) -> list[str]:
        return [m[key] for m in self.messages if key in m]


def watchdog_interval(environ: Mapping[str, str], pid: int) -> float | None:
    """Half of ``$WATCHDOG_USEC`` in seconds, if the watchdog is meant for ``pid``."""
    usec = environ.get("WATCHDOG_USEC")
    if not usec:
        return None
    owner = environ.get("WATCHDOG_PID")
    if owner and owner.isdigit() and int(owner) != pid:
        return None  # set for our parent (e.g. a wrapper script), not for us
    try:
        value = int(usec)
    except ValueError:
        log.warning("ignoring WATCHDOG_USEC=%r: not a number", usec)
        return None
    return value / 2 / 1_000_000 if value > 0 else None


def from_environment(environ: Mapping[str, str] | None = None) -> Watchdog:
    """The watchdog systemd set up for this process, or a ``NullWatchdog``."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET")
    interval = watchdog_interval(env, os.getpid())
    if not address:
        return NullWatchdog(interval_s=None)
    return SdNotifyWatchdog(address, interval_s=interval)


async def watch_event_loop(
    wd: Watchdog,
    *,
    ready_when: Callable[[], bool] = lambda: True,
    status: Callable[[], str] | None = None,
    healthy: Callable[[], bool] = lambda: True,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """For an asyncio service (the touchscreen's uvicorn): READY=1 once ``ready_when()``,
    then WATCHDOG=1 from this task — on the event loop, so a blocked loop stops the
    pings and systemd restarts the service. Cancel the task to stop (sends STOPPING=1).
    """
    try:
        while not ready_when():
            await sleep(0.1)
        wd.ready(status() if status else None)
        tick = min(1.0, (wd.interval_s or 4.0) / 4)
        while True:
            await sleep(tick)
            if wd.ping_if_due(healthy=healthy()) and status is not None:
                wd.status(status())
    except asyncio.CancelledError:
        wd.stopping()
        raise
