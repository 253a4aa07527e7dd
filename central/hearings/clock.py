"""Central's clock for the hearing rules that depend on the time: a beacon round must
still be in the future at commit and out at the reveal; an outcome waits for the
hearing's start.

The services take ``now`` as an argument; the routes ask ``now(request)``, which is the
system clock unless the app was handed another one as ``app.state.hearings_clock`` (a
callable returning an aware UTC datetime). A browser test sets one to replay a real
drand round (published in 2023) before and after its publication time; nothing else
does. It moves time only for these rules, and opens nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Request

from central.db import utcnow


def now(request: Request) -> datetime:
    clock: Callable[[], datetime] | None = getattr(request.app.state, "hearings_clock", None)
    return clock() if clock is not None else utcnow()
