"""The alert scanner: a background thread (``zhifang central serve``) or one pass (cron).

``start_alert_scanner(app_state, stop_event)`` uses ``app_state.sessions``,
``app_state.workflow_config`` (if set) and ``app_state.command_publisher`` (if set;
else alerts are stored and shown in the console, and sent by a later pass).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from . import service

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_S = 60.0


def scan_once(app_state: Any) -> int:
    with app_state.sessions() as s:
        fresh = service.scan(
            s,
            config=app_state.workflow_config,
            publisher=getattr(app_state, "command_publisher", None),
        )
    return len(fresh)


def start_alert_scanner(
    app_state: Any, stop_event: threading.Event, *, interval_s: float = DEFAULT_INTERVAL_S
) -> threading.Thread:
    """Scan now and then every ``interval_s`` until ``stop_event`` is set."""

    def loop() -> None:
        while not stop_event.is_set():
            try:
                n = scan_once(app_state)
                if n:
                    log.info("alerts: %d new", n)
            except Exception:  # keep scanning: a database hiccup must not stop alerts
                log.exception("alert scan failed; retrying in %.0f s", interval_s)
            stop_event.wait(interval_s)

    t = threading.Thread(target=loop, name="alert-scanner", daemon=True)
    t.start()
    return t
