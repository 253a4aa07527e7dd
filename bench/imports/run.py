"""bench/imports: the historical import of N register rows (``zhifang import
petitions``' code path: read the CSV, check each row, match people, build each matter's
steps, bulk-insert), next to a bare DBAPI ``executemany`` insert of the same rows (one
text column per field, no checks) into the same database in the same run.

    python -m bench.imports.run [--rows 100000] [--db sqlite|postgres|both]

Each database is fresh and migrated (PostgreSQL: an own schema, dropped after). Lines:
the dry run (read, check, match: no writes), the import, and a re-run (every row
recognised, nothing written). Then it checks: matters = rows created, 0 rejected.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select

from central.database import make_engine, make_session_factory, migrate
from central.imports import sample, service
from central.imports.columns import COLUMNS, Mapping
from central.imports.reader import read
from central.workflow.models import MatterRow
from tests.auth import production_settings

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'import-bench.db'}"
        return
    import psycopg

    admin = psycopg.connect(PG.replace("+psycopg", ""), autocommit=True, connect_timeout=3)
    schema = f"zf_bench_import_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def bare_executemany(engine: Engine, rows: list[dict[str, str]]) -> float:
    """Seconds to insert ``rows`` as they are (text columns) with one executemany."""
    cols = [c.key for c in COLUMNS]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"CREATE TABLE bench_raw ({', '.join(f'{c} TEXT' for c in cols)})")
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO bench_raw VALUES ({', '.join([mark] * len(cols))})"
        values = [tuple(r.get(c, "") for c in cols) for r in rows]
        t = time.perf_counter()
        cur.executemany(sql, values)
        raw.commit()
        return time.perf_counter() - t
    finally:
        raw.close()


def one(kind: str, rows: list[dict[str, str]], data: bytes, tmp: Path) -> None:
    n = len(rows)
    with database(kind, tmp) as url:
        settings = production_settings(database_url=url, data_dir=tmp)
        engine = make_engine(settings)
        migrate(engine)
        sessions = make_session_factory(engine)
        keys = (settings.id_hash_key_bytes, settings.id_enc_key_bytes)
        digest = hashlib.sha256(data).hexdigest()

        def run(dry: bool) -> tuple[float, service.Report]:
            t = time.perf_counter()
            with sessions() as s:
                rep = service.run(
                    s, read(data), mapping=Mapping(), site="minhou", actor="bench", keys=keys,
                    filename="bench.csv", sha256=digest, dry_run=dry,
                )  # fmt: skip
            return time.perf_counter() - t, rep

        base = bare_executemany(engine, rows)
        dry_s, dry = run(True)
        real_s, real = run(False)
        again_s, again = run(False)
        with sessions() as s:
            matters = s.scalar(select(func.count()).select_from(MatterRow))
        engine.dispose()
    ok = matters == real.count("create") == dry.count("create") and real.count("reject") == 0
    ok = ok and again.count("create") == 0
    print(f"{kind:10} bare executemany {n / base:9,.0f} rows/s ({base:6.2f} s)")
    print(f"{kind:10} dry run          {n / dry_s:9,.0f} rows/s ({dry_s:6.2f} s)")
    print(f"{kind:10} import           {n / real_s:9,.0f} rows/s ({real_s:6.2f} s)  "
          f"{real.count('create'):,} matters, {real.new_people:,} new people, "
          f"{real.count('unchanged'):,} repeated rows; "
          f"ratio to bare {base / real_s:.3f}")  # fmt: skip
    print(f"{kind:10} re-run           {n / again_s:9,.0f} rows/s ({again_s:6.2f} s)  "
          f"{again.count('unchanged'):,} unchanged, {again.count('create')} created")  # fmt: skip
    print(f"{kind:10} check: {'ok' if ok else 'FAILED'} ({matters:,} matters stored)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    print(f"bench/imports: {args.rows:,} rows; {platform.node()} {platform.machine()} "
          f"nproc={os.cpu_count()} python {platform.python_version()}")  # fmt: skip
    t = time.perf_counter()
    rows = list(sample.rows(args.rows, seed=2026))
    data = sample.to_csv(rows)
    print(f"generated {len(data) / 1e6:.1f} MB of CSV in {time.perf_counter() - t:.1f} s")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory() as tmp:
            one(kind, rows, data, Path(tmp))


if __name__ == "__main__":
    main()
