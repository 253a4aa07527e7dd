"""The petitioner's 进度查询: the 回执's QR code held to the camera, central asked,
the answer shown once on the petitioner's screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...progress import ProgressCheck, check_progress

if TYPE_CHECKING:
    from ..desk import Desk


class ProgressFlow:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.last: ProgressCheck | None = None  # the last 进度查询, shown once

    def scan(self) -> ProgressCheck:
        """Read the 回执 held to the camera and ask central (not under the lock: the
        camera and the network take a moment, and the officer's screen must not wait)."""
        d = self.desk
        found = check_progress(d.qr, d.central)
        if found.outcome == "offline":
            d.central_seen(False)
        elif found.outcome in ("found", "not_found", "throttled"):
            d.central_seen(True)
        with d.lock:
            self.last = found
        return found

    def take(self) -> ProgressCheck | None:
        with self.desk.lock:
            found, self.last = self.last, None
            return found
