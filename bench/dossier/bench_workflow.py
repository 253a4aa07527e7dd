"""Workflow at scale: the matter page (load + clocks) p99 and the full alert scan.

Generates N matters with valid histories (built by the pure machine, bulk-inserted),
then measures, in the same run, a baseline (primary-key lookup of the matter row) next
to the figures. SQLite always; PostgreSQL too when reachable (own schema, dropped).

    .venv/bin/python bench/dossier/bench_workflow.py --matters 5000 --samples 500
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from central.database import make_engine, make_session_factory, migrate
from central.settings import Settings
from central.workflow import service
from central.workflow.clocks import clocks
from central.workflow.config import WorkflowConfig
from central.workflow.machine import allowed_actions, apply, register
from central.workflow.models import MatterRow, TransitionRow
from central.workflow.states import Action, Command, Matter

ROUTES = [
    (Action.notify,),
    (Action.notify, Action.accept),
    (Action.notify, Action.accept, Action.handle),
    (Action.notify, Action.accept, Action.handle, Action.supervise, Action.handle),
    (Action.notify, Action.accept, Action.handle, Action.reply),
    (Action.notify, Action.decline, Action.archive),
]
START = datetime(2026, 1, 5, 1, tzinfo=UTC)


def _matter(i: int, rnd: random.Random) -> Matter:
    at = START + timedelta(hours=rnd.randrange(0, 24 * 300))
    m = register(str(uuid.UUID(int=i + 1)), Command(Action.register, "officer", at))
    for a in rnd.choice(ROUTES):
        at += timedelta(hours=rnd.randrange(1, 24 * 10))
        m = apply(
            m,
            Command(a, "officer", at, reason="r", documents=("d",), waived=True),
        )
    return m


def populate(engine: Engine, n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    ids: list[str] = []
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for start in range(0, n, 1000):
            mrows, trows = [], []
            for i in range(start, min(n, start + 1000)):
                m = _matter(i, rnd)
                ids.append(m.id)
                mrows.append(
                    dict(
                        id=m.id, status=m.status.value, summary="s", person_id=None,
                        reception_id=None, officer_id=f"officer-{i % 40}", leader_id="leader-1",
                        registered_at=m.history[0].at, updated_at=now, version=len(m.history),
                        supervisions=m.supervisions, paused=False, reply_at=m.reply_at,
                        risk_level=None, risk_reason=None,
                    )
                )  # fmt: skip
                trows += [service._to_row(m.id, t, now) for t in m.history]
            conn.execute(insert(MatterRow), mrows)
            conn.execute(
                insert(TransitionRow),
                [
                    {
                        c.name: getattr(r, c.name)
                        for c in TransitionRow.__table__.columns
                        if c.name != "id"
                    }
                    for r in trows
                ],
            )
    return ids


def timed(fn: Callable[[], object], samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1]


@contextmanager
def databases(tmp: Path) -> Iterator[Iterator[tuple[str, str]]]:
    def gen() -> Iterator[tuple[str, str]]:
        yield "sqlite", f"sqlite:///{tmp / 'bench.db'}"
        try:
            import psycopg

            admin = psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/test", autocommit=True, connect_timeout=3
            )
        except Exception as e:
            print(f"postgresql: skipped ({e})")
            return
        schema = f"zf_bench_wf_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield (
                "postgresql",
                f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}",
            )
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
            admin.close()

    yield gen()


def run(name: str, url: str, tmp: Path, n: int, samples: int) -> None:
    engine = make_engine(Settings(environment="development", database_url=url, data_dir=tmp))
    try:
        migrate(engine)
        t = time.perf_counter()
        ids = populate(engine, n)
        print(f"{name}: generated {n} matters in {time.perf_counter() - t:.1f} s")
        cfg = WorkflowConfig()
        now = START + timedelta(days=200)
        rnd = random.Random(1)
        sessions = make_session_factory(engine)
        with sessions() as s:

            def page() -> None:
                _row, m = service.load(s, rnd.choice(ids))
                clocks(m, cfg.rules, cfg.calendar, now)
                allowed_actions(m, now, cfg.policy)
                s.expunge_all()

            def baseline() -> None:
                s.get(MatterRow, rnd.choice(ids))
                s.expunge_all()

            base = timed(baseline, samples)
            got = timed(page, samples)
            t = time.perf_counter()
            alerts = service.open_alerts(s, config=cfg, now=now)
            scan = time.perf_counter() - t
        print(
            f"{name}: matter page p50 {p(got, 50):.2f} ms p99 {p(got, 99):.2f} ms"
            f" | baseline pk lookup p50 {p(base, 50):.2f} ms p99 {p(base, 99):.2f} ms"
        )
        print(f"{name}: alert scan of all open matters {scan * 1000:.0f} ms ({len(alerts)} alerts)")
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--matters", type=int, default=5000)
    ap.add_argument("--samples", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d, databases(Path(d)) as dbs:
        for name, url in dbs:
            run(name, url, Path(d), args.matters, args.samples)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
