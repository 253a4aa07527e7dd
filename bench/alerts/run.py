"""bench/alerts: the minute-by-minute look for recording segments parked too long.

    .venv/bin/python -m bench.alerts.run [--uploads 1000000] [--samples 50]

The alert scan (``central.alerts.service.raise_parked_evidence``) asks every minute how
many uploads have been parked over a day. ``evidence_uploads`` keeps every upload a box
ever made (a 30-minute reception is some 900 two-second segments), so this bench fills
it on SQLite with ``--uploads`` done uploads and 20 parked ones, and times the look,
printed next to a baseline measured in the same run: a primary-key lookup. It times the
look with the ``(status, created_at)`` index (migration 0022) and without it (dropped
for the second half), to show what the index is for. Target: under 10 ms a look.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from central.alerts.service import raise_parked_evidence
from central.database import engine_for_url, make_session_factory, migrate
from central.evidence.models import Upload

CHUNK = 50_000


def _median_ms(samples: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.alerts.run")
    ap.add_argument("--uploads", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=50)
    args = ap.parse_args(argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="zf-bench-alerts-") as d:
        engine = engine_for_url(f"sqlite:///{Path(d) / 'central.db'}")
        migrate(engine)
        sessions = make_session_factory(engine)
        t0 = time.perf_counter()
        first = str(uuid.uuid4())
        with engine.begin() as c:
            for start in range(0, args.uploads, CHUNK):
                rows = [
                    {"id": first if i == 0 else str(uuid.uuid4()), "device": f"desk-{i % 40:02d}",
                     "manifest": b"m", "manifest_hash": f"{i:064x}", "status": "done",
                     "received": 1, "created_at": now - timedelta(seconds=i)}
                    for i in range(start, min(start + CHUNK, args.uploads))
                ]  # fmt: skip
                c.execute(insert(Upload), rows)
            c.execute(insert(Upload), [
                {"id": str(uuid.uuid4()), "device": "desk-07", "manifest": b"m",
                 "manifest_hash": f"p{i:063x}", "status": "parked", "received": 1,
                 "created_at": now - timedelta(days=2, minutes=i)}
                for i in range(20)
            ])  # fmt: skip
        print(
            f"filled {args.uploads:,} done + 20 parked uploads in {time.perf_counter() - t0:.0f} s"
        )

        def look() -> None:
            with sessions() as s:
                assert raise_parked_evidence(s, now=now, tz=UTC) == []  # no admins: no rows
                s.rollback()

        def baseline() -> None:
            with sessions() as s:
                assert s.get(Upload, first) is not None

        base = _median_ms(args.samples, baseline)
        indexed = _median_ms(args.samples, look)
        with engine.begin() as c:
            c.execute(text("DROP INDEX ix_evidence_uploads_status_created"))
        bare = _median_ms(max(5, args.samples // 10), look)
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"baseline: primary-key lookup      median {base:8.2f} ms")
    print(f"parked look, with the index      median {indexed:8.2f} ms  (target < 10 ms)")
    print(f"parked look, index dropped       median {bare:8.2f} ms")
    return 0 if indexed < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
