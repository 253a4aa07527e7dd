"""Journey timings: how soon what happens at a desk reaches the people at the console.

A site as the journeys run it (``tests/journeys/site.py``: a Mosquitto of its own,
central's ingest and HTTP app, a registered box on the air), and ``--n`` receptions
driven through the box's session API (the calls the touchscreen makes). For each:

* baseline: 登记 confirmed on the box → its event stored in central's database (ingest
  alone);
* 登记 confirmed on the box → the matter's console page answers the officer;
* 登记 marked 高风险 → the alert on the 分管领导's 我的预警 page;
* 不满意 pressed → the reception in the leader's 不满意评价复核 queue.

Every page is fetched over HTTP by an account that logged in, as the browser would.
Printed as median and 90th percentile, in milliseconds.

    .venv/bin/python -m bench.journeys.run --n 20 --db both
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from appliance.session import Reception
from central.ingest.models import Event
from protocol.ids import uuid7
from protocol.messages import PersonRef, RiskNote
from tests.databases import pg_schema_url
from tests.journeys.console import poller
from tests.journeys.people import id_number
from tests.journeys.site import LEADER, OFFICER, World, open_world


def until(check: Callable[[], Any], timeout: float = 60.0) -> float:
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("the console did not show it in time")
        time.sleep(0.005)
    return (time.monotonic() - t0) * 1000


def stored(world: World, device: str, n: int) -> bool:
    with world.sessions() as s:
        return int(s.scalar(select(func.count()).where(Event.device == device)) or 0) >= n


def one(world: World, rig: Any, officer: Any, leader: Any, i: int) -> dict[str, float]:
    device = rig.box.config.device
    with world.sessions() as s:
        before = int(s.scalar(select(func.count()).where(Event.device == device)) or 0)
    r = Reception(outbox=rig.box.outbox, clock_ms=lambda: int(time.time() * 1000))
    r.start(OFFICER)
    name = f"测试{i:03d}"
    r.identify(PersonRef(name=name, id_number=id_number(), township="甘蔗街道"))
    reason = f"扬言去省里（第 {i} 次计时）"
    matter = str(uuid7(int(time.time() * 1000)))
    t0 = time.monotonic()
    r.step("register", fields={"request": "举报", "category": "举报", "source": "来访"},
           matter_ref=matter, risk=RiskNote(level="high", reason=reason))  # fmt: skip
    out = {"event stored (baseline)": until(lambda: stored(world, device, before + 3))}
    out["matter on the console"] = (time.monotonic() - t0) * 1000 + until(
        lambda: officer.get(f"/console/matters/{matter}").status_code == 200
    )
    out["high-risk alert to the leader"] = (time.monotonic() - t0) * 1000 + until(
        lambda: reason in leader.get("/console/alerts").text
    )
    r.step("notify", fields={"told_scope": "1", "told_deadline": "1", "told_review": "1"},
           matter_ref=matter)  # fmt: skip
    r.step("accept", fields={"reason": "属本院管辖"}, matter_ref=matter)
    t1 = time.monotonic()
    r.rate("dissatisfied")
    r.end()
    out["不满意 → review queue"] = (time.monotonic() - t1) * 1000 + until(
        lambda: name in leader.get("/console/leader/reviews").text
    )
    return out


def run_db(db: str, n: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-journeys-") as d:
        tmp = Path(d)
        if db == "sqlite":
            return _run(tmp, db, f"sqlite:///{tmp / 'central.db'}", n)
        for url in pg_schema_url("zf_bench_journeys"):
            return _run(tmp, db, url, n)
    raise AssertionError("unreachable")


def _run(tmp: Path, db: str, url: str, n: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    with (
        open_world(tmp, db, url) as world,
        world.desk("desk-bench") as rig,
        poller(world.url, OFFICER) as officer,
        poller(world.url, LEADER) as leader,
    ):
        for i in range(n):
            for k, v in one(world, rig, officer, leader, i).items():
                times.setdefault(k, []).append(v)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20, help="receptions per database")
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    print(f"# journeys, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} "
          f"{platform.machine()}, n={args.n}")  # fmt: skip
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        times = run_db(db, args.n)
        for what, xs in times.items():
            p90 = statistics.quantiles(xs, n=10)[-1] if len(xs) > 1 else xs[0]
            print(f"{db:9} {what:32} median {statistics.median(xs):7.0f} ms   p90 {p90:7.0f} ms")


if __name__ == "__main__":
    main()
