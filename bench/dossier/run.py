"""bench/dossier: person search, the dossier page and the KPI page at scale.

    .venv/bin/python -m bench.dossier.run [--persons 200000] [--receptions 1000000]
        [--db sqlite|postgres|both] [--samples 1000]

Generates persons (half with an encrypted, hashed ID number), receptions over two
years (5% 领导接访, ratings), and matters with valid transitions, by bulk insert
(SQLite: executemany in large transactions; PostgreSQL: COPY). Then, through the real
console (HTTP via TestClient, logged in, every read audited as in production):
search by name / pinyin / phone / ID number, the dossier page, and the KPI page over
the whole period — each printed next to baselines measured in the same run: a
primary-key lookup, and ``/healthz`` through the same client (HTTP + SELECT 1).
Targets: p99 < 50 ms for search and dossier, KPI page < 1 s.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from central.database import make_engine, make_session_factory, migrate
from central.settings import Settings

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华文辉力志强永红玉兰海燕春梅金凤"
)
T_END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_S = 2 * 365 * 86400
CHUNK = 50_000


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="zf-bench-dossier-") as d:
            yield f"sqlite:///{Path(d) / 'central.db'}"
        return
    import psycopg

    from tests.databases import pg_url

    base = pg_url()
    schema = f"zf_bench_dossier_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(f'CREATE SCHEMA "{schema}"')
        try:
            sep = "&" if "?" in base else "?"
            yield f"{base}{sep}options=-csearch_path%3D{schema}"
        finally:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _chars_pinyin() -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    return {c: lazy_pinyin(c, style=Style.NORMAL)[0] for c in set(SURNAMES + GIVEN)}


def generate(
    engine: Engine, settings: Settings, n_persons: int, n_receptions: int, rng: random.Random
) -> dict[str, Any]:
    """Bulk-insert the data set; returns samples for the queries."""
    from central.dossier import crypto

    py = _chars_pinyin()
    hash_key, enc_key = settings.id_hash_key_bytes, settings.id_enc_key_bytes
    created = datetime(2024, 1, 1, tzinfo=UTC)
    persons: list[dict[str, Any]] = []
    ids_clear: list[str] = []
    for i in range(n_persons):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        idn = (
            f"350121{1950 + i % 50}{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i % 10000:04d}"[:17] + "X"
            if i % 2 == 0
            else None
        )
        persons.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "name": name,
                "id_number_hash": crypto.id_number_hash(hash_key, idn) if idn else None,
                "id_number_enc": crypto.encrypt_id_number(enc_key, idn) if idn else None,
                "phone": f"1{rng.choice('3578')}{i:09d}",
                "township": "甘蔗街道",
                "created_at": created,
                "name_pinyin": "".join(py[c] for c in name),
                "merged_into": None,
            }
        )
        if idn:
            ids_clear.append(idn)
    kinds = ["walk_in"] * 17 + ["group", "online", "leader"]
    ratings = ["satisfied"] * 7 + ["basically_satisfied"] * 2 + ["dissatisfied", None]
    pids = [p["id"] for p in persons]

    def receptions() -> Iterator[dict[str, Any]]:
        for _ in range(n_receptions):
            at = T_END - timedelta(seconds=rng.randrange(SPAN_S))
            rating = rng.choice(ratings)
            kind = rng.choice(kinds)
            yield {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "device": "desk-1",
                "officer_id": f"officer-{rng.randrange(20)}",
                "kind": kind,
                "visitors": rng.randrange(5, 12) if kind == "group" else rng.choice((1, 1, 2)),
                "person_id": rng.choice(pids),
                "started_at": at,
                "ended_at": at + timedelta(minutes=25),
                "rating": rating,
                "rated_at": at + timedelta(minutes=24) if rating else None,
                "risk_level": None,
                "risk_reason": None,
                "events": 6,
                "events_expected": 6,
            }

    n_matters = max(n_persons // 10, 1)
    matters, transitions, links = [], [], []
    for _ in range(n_matters):
        mid, pid = str(uuid.UUID(int=rng.getrandbits(128))), rng.choice(pids)
        reg = T_END - timedelta(seconds=rng.randrange(SPAN_S))
        steps = ["register", "notify", "accept"] + (
            ["handle", "reply"] if rng.random() < 0.6 else []
        )
        status = {
            "register": "registered",
            "notify": "notified",
            "accept": "accepted",
            "handle": "handling",
            "reply": "replied",
        }
        at, prev = reg, None
        for seq, a in enumerate(steps, 1):
            at += timedelta(hours=rng.randrange(1, 24 * (3 if a != "reply" else 40)))
            at = reg if seq == 1 else at
            transitions.append(
                {
                    "matter_id": mid,
                    "seq": seq,
                    "action": a,
                    "from_status": prev,
                    "to_status": status[a],
                    "actor": "officer-1",
                    "at": at,
                    "reason": "依规办理",
                    "documents": ["doc-1"] if a == "reply" else [],
                    "details": {},
                    "recorded_at": at,
                }
            )
            prev = status[a]
        matters.append(
            {
                "id": mid,
                "status": prev,
                "summary": "要求答复征收补偿",
                "person_id": pid,
                "reception_id": None,
                "officer_id": "officer-1",
                "leader_id": None,
                "registered_at": reg,
                "updated_at": at,
                "version": len(steps),
                "supervisions": 0,
                "paused": False,
                "reply_at": None,
                "risk_level": None,
                "risk_reason": None,
            }
        )
        links.append({"matter_id": mid, "person_id": pid, "role": "petitioner"})

    from central.devices.models import Device
    from central.dossier.models import Person, Reception
    from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow

    t0 = time.perf_counter()
    with engine.begin() as c:
        c.execute(
            insert(Device),
            [
                {
                    "id": "desk-1",
                    "site": "minhou",
                    "public_key": "AAAA",
                    "status": "offline",
                    "created_at": created,
                }
            ],
        )
        for i in range(0, len(persons), CHUNK):
            c.execute(insert(Person), persons[i : i + CHUNK])
    if engine.dialect.name == "postgresql":
        _copy_receptions(engine, receptions())
    else:
        batch: list[dict[str, Any]] = []
        with engine.begin() as c:
            for row in receptions():
                batch.append(row)
                if len(batch) == CHUNK:
                    c.execute(insert(Reception), batch)
                    batch = []
            if batch:
                c.execute(insert(Reception), batch)
    with engine.begin() as c:
        for table, rows in (
            (MatterRow, matters),
            (TransitionRow, transitions),
            (MatterPersonRow, links),
        ):
            for i in range(0, len(rows), CHUNK):
                c.execute(insert(table), rows[i : i + CHUNK])
        if engine.dialect.name == "postgresql":
            c.execute(text("ANALYZE"))
        else:
            c.execute(text("ANALYZE"))
    took = time.perf_counter() - t0
    return {"persons": persons, "ids": ids_clear, "insert_s": took, "matters": n_matters}


def _copy_receptions(engine: Engine, rows: Iterator[dict[str, Any]]) -> None:
    cols = [
        "id",
        "device",
        "officer_id",
        "kind",
        "visitors",
        "person_id",
        "started_at",
        "ended_at",
        "rating",
        "rated_at",
        "events",
        "events_expected",
    ]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY reception ({', '.join(cols)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row([r[c] for c in cols])
        raw.commit()
    finally:
        raw.close()


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run(kind: str, args: argparse.Namespace) -> None:
    from fastapi.testclient import TestClient

    from central.accounts import service as accounts
    from central.app import create_app
    from central.dossier.models import Person

    rng = random.Random(7)
    with database(kind) as url, tempfile.TemporaryDirectory() as data:
        settings = Settings(environment="development", database_url=url, data_dir=Path(data))
        engine = make_engine(settings)
        migrate(engine)
        t = time.perf_counter()
        d = generate(engine, settings, args.persons, args.receptions, rng)
        gen_s = time.perf_counter() - t
        sessions = make_session_factory(engine)
        with sessions.begin() as s:
            accounts.add_account(
                s, username="bench", password="bench-password", role="leader", org="*"
            )
        app = create_app(settings, engine=engine)  # the console's login form included
        with TestClient(app) as client:
            import re

            form = client.get("/console/login").text
            tok = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            signed = client.post(
                "/console/login",
                data={"username": "bench", "password": "bench-password", "csrf_token": tok},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text  # a real account, as production runs
            persons = d["persons"]
            n = args.samples

            def pk() -> None:
                with sessions() as s:
                    s.get(Person, rng.choice(persons)["id"])

            def health() -> None:
                assert client.get("/healthz").status_code == 200

            queries = []
            for i in range(n):
                p = rng.choice(persons)
                queries.append(
                    (p["name"][:2], p["name_pinyin"], p["phone"], rng.choice(d["ids"]))[i % 4]
                )
            it = iter(queries)

            def search() -> None:
                r = client.get("/console/search", params={"q": next(it)})
                assert r.status_code == 200

            def dossier() -> None:
                r = client.get(f"/console/persons/{rng.choice(persons)['id']}")
                assert r.status_code == 200

            for f in (pk, health, search, dossier):  # warm up
                f() if f is not search else None
            base_pk, base_http = timed(pk, n), timed(health, n)
            s_ms, d_ms = timed(search, n), timed(dossier, n)

            def kpi() -> None:
                r = client.get(
                    "/console/kpi", params={"since": "2024-01-01", "until": "2026-12-31"}
                )
                assert r.status_code == 200

            kpi_ms = timed(kpi, 5)
        engine.dispose()
    head = f"{args.persons:,} persons, {args.receptions:,} receptions, {d['matters']:,} matters"
    print(f"\n## {kind}: {head}")
    print(f"generated in {gen_s:.1f} s (bulk insert {d['insert_s']:.1f} s)")
    print("| what | p50 ms | p99 ms | target |")
    print("|---|---|---|---|")

    def row(what: str, xs: list[float], target: str) -> None:
        print(f"| {what} | {_pct(xs, 50):.2f} | {_pct(xs, 99):.2f} | {target} |")

    row("baseline: primary-key lookup (session.get)", base_pk, "—")
    row("baseline: GET /healthz through the same client", base_http, "—")
    row("person search page (name/pinyin/phone/ID, audited)", s_ms, "p99 < 50")
    row("dossier page (full timeline, audited)", d_ms, "p99 < 50")
    k50, kmax = statistics.median(kpi_ms), max(kpi_ms)
    print(f"| KPI page, whole period (median / max of 5) | {k50:.0f} | {kmax:.0f} | < 1000 |")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=20_000)
    ap.add_argument("--receptions", type=int, default=100_000)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = ap.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"machine: {platform.platform()}, {cpu}, python {platform.python_version()}")
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        run(kind, args)


if __name__ == "__main__":
    main()
