"""How ingest sends commands to boxes: a one-method interface, the MQTT client in
production and ``RecordingPublisher`` (shipped, for tests and dry runs)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol


class CommandPublisher(Protocol):
    def publish(self, topic: str, payload: bytes) -> None:
        """Send ``payload`` on ``topic`` with QoS 1. Raise if it cannot be queued."""


@dataclass
class RecordingPublisher:
    """Keeps what was published, in order."""

    sent: list[tuple[str, bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def publish(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.sent.append((topic, payload))
