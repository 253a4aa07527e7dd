"""The broker connection as the forwarder sees it, and an in-memory fake.

``Transport`` is the whole surface the forwarder needs from MQTT: start, publish,
subscribe, stop. The real one is ``appliance.mqtt.PahoTransport``; ``MemoryTransport``
ships here so tests (and the demo) can drive the forwarder without a broker.

A transport calls back into a ``TransportEvents`` sink from its own thread. The sink
must only queue what it is told (never block).

Contract a transport *must* keep (paho does): a QoS 1 message accepted by
``publish`` and not yet acknowledged is re-sent after a reconnect under the same
message id, so its PUBACK still matches.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

SUCCESS = 0
NO_MATCHING_SUBSCRIBERS = 16  # 0x10: still a success (< 128)
UNSPECIFIED_ERROR = 128
NOT_AUTHORIZED = 135  # 0x87


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


class TransportEvents(Protocol):
    def on_connected(self, session_present: bool) -> None: ...
    def on_disconnected(self, reason: str) -> None: ...
    def on_puback(self, mid: int, reason_code: int, reason: str) -> None: ...
    def on_message(self, topic: str, payload: bytes) -> None: ...


class Transport(ABC):
    """Subclasses must implement all four methods."""

    @abstractmethod
    def start(self, events: TransportEvents, will: Callable[[], Message]) -> None:
        """Connect (and keep reconnecting) in the background.

        ``will()`` gives the last will; it is called before every connection attempt.
        """

    @abstractmethod
    def publish(self, msg: Message) -> int:
        """Queue ``msg`` for sending; returns its message id (matches ``on_puback``)."""

    @abstractmethod
    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        """Subscribe on the current connection (call again after each reconnect)."""

    @abstractmethod
    def stop(self, final: Message | None = None, timeout: float = 5.0) -> None:
        """Publish ``final`` (if given), disconnect cleanly (no last will), stop."""


@dataclass
class _Sent:
    mid: int
    msg: Message
    dup: bool = False


@dataclass
class MemoryTransport(Transport):
    """A broker connection in memory, scripted by the test.

    ``auto_ack``: acknowledge each publish at once with ``reason_for(msg)`` (default
    success). Otherwise the test calls ``ack(mid, code)`` or ``ack_all()``.
    """

    auto_ack: bool = False
    reason_for: Callable[[Message], int] = lambda _m: SUCCESS
    connect_on_start: bool = True
    session_present: bool = False
    sent: list[_Sent] = field(default_factory=list)
    retained: dict[str, bytes] = field(default_factory=dict)
    subscriptions: list[str] = field(default_factory=list)
    wills_fired: list[Message] = field(default_factory=list)
    connects: int = 0
    connected: bool = False
    _events: TransportEvents | None = None
    _will: Callable[[], Message] | None = None
    _unacked: dict[int, Message] = field(default_factory=dict)
    _next_mid: int = 1
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def start(self, events: TransportEvents, will: Callable[[], Message]) -> None:
        self._events, self._will = events, will
        if self.connect_on_start:
            self.reconnect()

    def publish(self, msg: Message) -> int:
        with self._lock:
            mid = self._next_mid
            self._next_mid = self._next_mid % 65535 + 1
            if msg.qos > 0:
                self._unacked[mid] = msg
            if self.connected:
                self._deliver(mid, msg, dup=False)
        return mid

    def _deliver(self, mid: int, msg: Message, *, dup: bool) -> None:
        self.sent.append(_Sent(mid, msg, dup))
        if self.auto_ack and msg.qos > 0:
            self.ack(mid, self.reason_for(msg))

    def subscribe(self, topic_filter: str, qos: int = 1) -> None:
        self.subscriptions.append(topic_filter)

    def stop(self, final: Message | None = None, timeout: float = 5.0) -> None:
        if final is not None and self.connected:
            self.sent.append(_Sent(0, final))
            if final.retain:
                self.retained[final.topic] = final.payload
        self.connected = False

    # --- what the test does ---------------------------------------------------------

    def ack(self, mid: int, code: int = SUCCESS) -> None:
        with self._lock:
            msg = self._unacked.pop(mid)
            if code < 128 and msg.retain:
                self.retained[msg.topic] = msg.payload
        assert self._events is not None
        self._events.on_puback(mid, code, "Success" if code < 128 else f"code {code}")

    def ack_all(self, code: int = SUCCESS) -> int:
        mids = sorted(self._unacked)
        for mid in mids:
            self.ack(mid, code)
        return len(mids)

    def drop(self, reason: str = "connection lost") -> None:
        """The network goes away: the broker fires our last will."""
        self.connected = False
        assert self._events is not None and self._will is not None
        will = self._will()
        self.wills_fired.append(will)
        if will.retain:
            self.retained[will.topic] = will.payload
        self._events.on_disconnected(reason)

    def reconnect(self) -> None:
        assert self._events is not None
        self.connected = True
        self.connects += 1
        self._events.on_connected(self.session_present)
        with self._lock:  # like paho: re-send what was never acknowledged, same mid
            for mid, msg in sorted(self._unacked.items()):
                self._deliver(mid, msg, dup=True)

    def deliver(self, topic: str, payload: bytes) -> None:
        """A message from the broker (e.g. a command from central)."""
        assert self._events is not None
        self._events.on_message(topic, payload)

    def published(self, topic: str | None = None) -> list[Message]:
        return [s.msg for s in self.sent if topic is None or s.msg.topic == topic]

    def unacked_mids(self) -> list[int]:
        return sorted(self._unacked)
