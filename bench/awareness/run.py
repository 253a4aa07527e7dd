"""Dashboard queries at scale: 1,000,000 receptions, on SQLite and PostgreSQL.

Generates persons, receptions (over three years), matters with valid histories (most
archived, a few thousand open), tags; bulk-inserted (Core executemany on SQLite, COPY
on PostgreSQL). Then times every dashboard query (each chart, the KPIs, the first
page of the drill-down list) for a 30-day and a 365-day period and with a township
filter, best of 3 after a warm-up, next to a baseline measured in the same run: a bare
``SELECT COUNT(*) FROM reception``. Target: each dashboard query < 1 s.

    .venv/bin/python -m bench.awareness.run --db sqlite --db postgres
    .venv/bin/python -m bench.awareness.run --receptions 100000   # quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text

from central.awareness import charts, facts, kpis, lists
from central.awareness.filters import Filters
from central.awareness.models import MatterTagRow
from central.database import engine_for_url, make_session_factory, migrate
from central.devices.models import Device
from central.dossier.models import Person, Reception
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow

ROOT = Path(__file__).resolve().parents[2]
TOWNS = [f"{n}镇" for n in "东西南北中上下前后左右新老青白红金银"] + ["城关街道", "江滨街道"]
CATS = [
    *("土地征收", "劳动社保", "民事申诉", "刑事申诉", "涉法涉诉"),
    *("城建拆迁", "环境保护", "医疗纠纷", "婚姻家庭", "其他"),
]
ORGANS = ["本院", "某县公安局", "某县人民法院", "某县自然资源局", "某县人社局", "某县住建局"]
RATINGS = ["satisfied"] * 6 + ["basically_satisfied"] * 2 + ["dissatisfied", None]
END = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # a Friday
SPAN_DAYS = 3 * 365
CHAIN = ("register", "notify", "accept", "handle", "reply", "archive")
STATUS_AFTER = {
    "register": "registered",
    "notify": "notified",
    "accept": "accepted",
    "handle": "handling",
    "reply": "replied",
    "archive": "archived",
}


def _bulk(engine: Engine, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            conn.execute(insert(table), list(rows))
        return
    cols = list(rows[0])
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:  # JSON columns go over COPY as text
                copy.write_row(
                    [
                        json.dumps(v) if isinstance(v, dict | list) else v
                        for v in (r[c] for c in cols)
                    ]
                )
        raw.commit()
    finally:
        raw.close()


def _chunks(it: Iterable[dict[str, Any]], n: int = 50_000) -> Iterable[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    for row in it:
        buf.append(row)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def populate(engine: Engine, *, receptions: int, persons: int, matters: int, open_: int) -> None:
    rnd = random.Random(2026)
    t0 = time.perf_counter()
    box = {"id": "bench-box", "site": "bench", "public_key": "A" * 44, "status": "offline"}
    _bulk(engine, Device.__table__, [{**box, "registered_at": END}])  # type: ignore[arg-type]
    pids = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(persons)]
    # a skewed town distribution, as real ones are
    town_w = [1 / (i + 1) for i in range(len(TOWNS))]
    for chunk in _chunks(
        {"id": pid, "name": f"来访人{i}", "township": rnd.choices(TOWNS, town_w)[0],
         "created_at": END}
        for i, pid in enumerate(pids)
    ):  # fmt: skip
        _bulk(engine, Person.__table__, chunk)  # type: ignore[arg-type]
    # repeat visitors: a few persons come often (Zipf-like person choice)
    heavy = pids[: max(1, persons // 50)]
    rids: list[tuple[str, str, datetime]] = []

    def recs() -> Iterable[dict[str, Any]]:
        for _ in range(receptions):
            pid = rnd.choice(heavy) if rnd.random() < 0.2 else rnd.choice(pids)
            at = END - timedelta(seconds=rnd.randrange(SPAN_DAYS * 86400))
            rid = str(uuid.UUID(int=rnd.getrandbits(128)))
            if len(rids) < matters:
                rids.append((rid, pid, at))
            kind = "leader" if rnd.random() < 0.03 else "walk_in"
            yield {
                "id": rid, "device": "bench-box", "officer_id": f"officer-{rnd.randrange(40)}",
                "kind": kind, "visitors": rnd.randint(1, 5) if kind == "leader" else 1,
                "person_id": pid, "started_at": at, "ended_at": at + timedelta(minutes=20),
                "rating": rnd.choice(RATINGS), "events": 6,
                "risk_level": "high" if rnd.random() < 0.005 else None, "risk_reason": None,
            }  # fmt: skip

    for chunk in _chunks(recs()):
        _bulk(engine, Reception.__table__, chunk)  # type: ignore[arg-type]
    print(f"  persons + receptions: {time.perf_counter() - t0:.0f} s", flush=True)
    rids.sort(key=lambda x: x[2])
    m_rows: list[dict[str, Any]] = []
    t_rows: list[dict[str, Any]] = []
    p_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    tid = 0
    for i, (rid, pid, at) in enumerate(rids):
        mid = str(uuid.UUID(int=i + 1))
        is_open = i >= len(rids) - open_
        steps = CHAIN[: rnd.randint(1, 3)] if is_open else CHAIN
        t = at
        for seq, action in enumerate(steps, start=1):
            if seq > 1:
                t = t + timedelta(hours=rnd.randint(2, 24 * (30 if action == "archive" else 5)))
            tid += 1
            details = {"waived": "1"} if action == "archive" else {}
            t_rows.append({
                "id": tid, "matter_id": mid, "seq": seq, "action": action,
                "from_status": STATUS_AFTER[steps[seq - 2]] if seq > 1 else None,
                "to_status": STATUS_AFTER[action], "actor": "officer", "at": t,
                "reason": "依规办理", "documents": ["d"] if action == "reply" else [],
                "details": details, "recorded_at": t,
            })  # fmt: skip
        m_rows.append({
            "id": mid, "status": STATUS_AFTER[steps[-1]], "summary": "事项", "person_id": pid,
            "reception_id": rid, "officer_id": f"officer-{rnd.randrange(40)}", "leader_id": None,
            "registered_at": at, "updated_at": t, "version": len(steps), "supervisions": 0,
            "paused": False, "reply_at": None, "risk_level": None, "risk_reason": None,
        })  # fmt: skip
        p_rows.append({"matter_id": mid, "person_id": pid, "role": "petitioner"})
        tag_rows.append({
            "matter_id": mid, "category": rnd.choice(CATS), "organ": rnd.choice(ORGANS),
            "tagged_by": "bench", "tagged_at": at,
        })  # fmt: skip
    for table, rows in (
        (MatterRow.__table__, m_rows),
        (TransitionRow.__table__, t_rows),
        (MatterPersonRow.__table__, p_rows),
        (MatterTagRow.__table__, tag_rows),
    ):
        for chunk in _chunks(iter(rows)):
            _bulk(engine, table, chunk)  # type: ignore[arg-type]
    if engine.dialect.name == "postgresql":  # statistics + visibility map (index-only scans)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # fresh statistics, as a live database has
    print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)


def _indexes(engine: Engine) -> None:
    """Data generated by an earlier revision of 0008 (``--reuse``) gets today's indexes."""
    from central.awareness import models

    tables = (Person.__table__, Reception.__table__, MatterRow.__table__, TransitionRow.__table__,
              models.MatterTagRow.__table__)  # fmt: skip
    for table in tables:
        for ix in table.indexes:  # type: ignore[attr-defined]
            if ix.name and ix.name.startswith("ix_awareness_"):
                ix.create(engine, checkfirst=True)


def best(fn: Callable[[], object], runs: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(engine: Engine, label: str) -> list[tuple[str, str, float]]:
    sessions = make_session_factory(engine)
    cfg = WorkflowConfig()
    tz = cfg.rules.tz
    today = END.astimezone(tz).date()
    out: list[tuple[str, str, float]] = []
    with sessions() as s:
        n = s.scalar(select(func.count()).select_from(Reception))
        print(f"[{label}] receptions in the database: {n:,}", flush=True)
        base = best(lambda: s.execute(text("SELECT COUNT(*) FROM reception")).scalar_one())
        out.append(("baseline", "SELECT COUNT(*) FROM reception", base))
        periods: dict[str, Filters] = {
            "30 days": Filters(start=today - timedelta(days=29), end=today),
            "365 days": Filters(start=today - timedelta(days=364), end=today),
            "365 days, 东镇": Filters(
                start=today - timedelta(days=364), end=today, township="东镇"
            ),
        }
        cache = kpis.ClockCache()
        t = time.perf_counter()
        kpis.clock_alerts(s, f=periods["30 days"], tz=tz, config=cfg, now=END)
        out.append(("any", "clocks, uncached scan", time.perf_counter() - t))
        for pname, f in periods.items():
            ctx = charts.Ctx(session=s, f=f, tz=tz, config=cfg, now=END, clock_cache=cache)
            out.append((pname, "kpis", best(lambda f=f: kpis.kpis(s, f=f, tz=tz, config=cfg))))  # type: ignore[misc]
            for name in charts.CHARTS:
                out.append((pname, name, best(lambda name=name, ctx=ctx: charts.build(name, ctx))))  # type: ignore[misc]
            first = best(lambda f=f: lists.reception_list(s, f=f, tz=tz, dims={}))  # type: ignore[misc]
            out.append((pname, "list page 1", first))
        t = time.perf_counter()
        d = facts.drift(s)
        out.append(
            (
                "maintenance",
                f"facts drift check ({'clean' if d.clean else d})",
                time.perf_counter() - t,
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", action="append", help="sqlite, postgres, or a URL (repeatable)")
    ap.add_argument("--receptions", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=200_000)
    ap.add_argument("--matters", type=int, default=300_000)
    ap.add_argument("--open", type=int, default=2_000, dest="open_")
    ap.add_argument("--reuse", action="store_true", help="keep/reuse the generated data")
    args = ap.parse_args(argv)
    from tests.databases import pg_url

    print(f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()} {platform.machine()}, "
          f"python {platform.python_version()}")  # fmt: skip
    results: dict[str, list[tuple[str, str, float]]] = {}
    for db in args.db or ["sqlite", "postgres"]:
        schema = None
        if db == "sqlite":
            path = ROOT / "var" / f"bench-awareness-{args.receptions}.db"
            if path.exists() and not args.reuse:
                path.unlink()
            url = f"sqlite:///{path}"
        elif db == "postgres":
            schema = f"bench_awareness_{args.receptions}"
            url = f"{pg_url()}?options=-csearch_path%3D{schema}"
        else:
            url = db
        if schema:
            admin = engine_for_url(pg_url())
            with admin.begin() as conn:
                if not args.reuse:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            admin.dispose()
        engine = engine_for_url(url)
        try:
            t0 = time.perf_counter()
            migrate(engine)  # on --reuse data of an older revision: includes the backfills
            print(f"[{db}] migrate: {time.perf_counter() - t0:.1f} s", flush=True)
            _indexes(engine)
            with engine.connect() as conn:
                have = conn.execute(select(func.count()).select_from(Reception)).scalar_one()
            if have == 0:
                print(f"[{db}] generating {args.receptions:,} receptions …", flush=True)
                populate(engine, receptions=args.receptions, persons=args.persons,
                         matters=args.matters, open_=args.open_)  # fmt: skip
            results[db] = measure(engine, db)
        finally:
            engine.dispose()
        report(db, results[db])
    return 0


def report(db: str, rows: list[tuple[str, str, float]]) -> None:
    print(f"\n== {db} ==  (best of 3, seconds; target < 1 s per query)")
    print(f"{'period':<16} {'query':<22} {'time':>8}")
    for period, name, t in rows:
        flag = "" if period in ("baseline", "maintenance") or t < 1 else "  ← over 1 s"
        print(f"{period:<16} {name:<22} {t:8.3f}{flag}")
    worst = max((r for r in rows if r[0] not in ("baseline", "maintenance")), key=lambda r: r[2])
    print(
        f"slowest: {worst[1]} ({worst[0]}) {worst[2]:.3f} s; baseline COUNT(*) {rows[0][2]:.3f} s",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
