"""Background jobs of situation awareness, started by ``zhifang central serve``:
early-warning rules hourly, last month's report once a day (each is idempotent, so a
restart or a second server only repeats a no-op)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from central.db import utcnow
from central.workflow.config import WorkflowConfig

from . import reports, warnings

log = logging.getLogger(__name__)

WARNINGS_EVERY_S = 3600.0
REPORT_EVERY_S = 24 * 3600.0


def start_awareness_jobs(app_state: Any, stop_event: threading.Event) -> threading.Thread:

    config: WorkflowConfig = app_state.workflow_config
    out_dir = app_state.settings.data_dir / "reports"

    def loop() -> None:
        next_report = 0.0
        while not stop_event.is_set():
            try:
                with app_state.sessions.begin() as session:
                    found = warnings.run_all(session, now=utcnow(), config=config)
                if found:
                    log.info("early warning: %d alert(s)", len(found))
                if next_report <= 0:
                    made = reports.scheduled_report(
                        app_state.sessions, out_dir=out_dir, config=config, now=utcnow()
                    )
                    if made is not None:
                        log.info("monthly report made: %s", made.month)
                    next_report = REPORT_EVERY_S
            except Exception:  # a database hiccup must not end the jobs for good
                log.exception("awareness jobs failed; retrying later")
            next_report -= WARNINGS_EVERY_S
            stop_event.wait(WARNINGS_EVERY_S)

    t = threading.Thread(target=loop, name="awareness-jobs", daemon=True)
    t.start()
    return t
