"""Legal search p50/p99 on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm GIN).

Builds a synthetic corpus the size of a large site library (default 300 laws × 100
articles = 30,000 articles; text recombined from phrases in the style of a law), then
times, in the same run: a primary-key article read (floor), our search, and one plain
``LIKE '%…%'`` query fetching every matching id (baseline: SQLite scans the table, the
PostgreSQL planner may use the trigram index for it too).
Queries: 4–8 characters cut from a random article (long), 2 characters (the short
LIKE fallback path), and two terms.

    .venv/bin/python bench/legal/run.py [--laws 300] [--per-law 100] [--queries 400]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from central.database import engine_for_url, make_session_factory, migrate
from central.legal.models import ArticleRow
from central.legal.search import search
from central.legal.service import import_law

PHRASES = (  # noqa: SIM905
    "信访人应当如实反映情况 有关机关应当自收到之日起十五日内决定是否受理 不得捏造歪曲事实 "
    "多人采用走访形式提出共同的信访事项的 应当推选代表 经批准可以适当延长办理期限 "
    "听证时间不计入办理期限 国家机关工作人员玩忽职守 依法给予处分 构成犯罪的依法追究刑事责任 "
    "扰乱公共秩序 情节较轻的处警告或者罚款 集会游行示威应当依照本法规定 向主管机关提出申请 "
    "公民的人身权利民主权利不受侵犯 对于违反治安管理的行为 公安机关应当及时处理 "
    "人民检察院依法对诉讼活动实行法律监督 当事人不服的可以申请复议 复查复核机关应当书面答复 "
    "征收集体所有土地应当依法给予公平合理的补偿 保障被征地农民原有生活水平不降低 "
    "用人单位应当按时足额支付劳动者工资 拖欠劳动报酬的由劳动行政部门责令限期支付 "
    "本条例自公布之日起施行 法律另有规定的从其规定 县级以上人民政府应当加强领导 "
    "建立健全信访工作责任制 畅通信访渠道 依法及时就地解决群众合理诉求 "
    "对可能造成社会影响的重大紧急信访事项和信息 应当及时报告 采取措施防止事态扩大"
).split()


# common characters for the parts of an article that are its own (names, objects, places)
COMMON = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def corpus_text(rnd: random.Random, n: int) -> str:
    lines = []
    for i in range(1, n + 1):
        parts = [rnd.choice(PHRASES) for _ in range(rnd.randint(2, 7))]
        for _ in range(rnd.randint(1, 3)):  # article-specific words
            parts.insert(
                rnd.randrange(len(parts) + 1), "".join(rnd.choices(COMMON, k=rnd.randint(4, 12)))
            )
        body = "，".join(parts) + "。"
        lines.append(f"第{i}条 {body}")
    return "\n".join(lines)


def p(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def timed(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


@contextmanager
def databases(tmp: Path) -> Iterator[list[tuple[str, str]]]:
    dbs = [("sqlite", f"sqlite:///{tmp / 'legal.db'}")]
    schema = f"zf_bench_legal_{uuid.uuid4().hex[:8]}"
    admin = None
    try:
        import psycopg

        admin = psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/test", autocommit=True, connect_timeout=3
        )
        admin.execute(f'CREATE SCHEMA "{schema}"')
        dbs.append(
            (
                "postgresql",
                "postgresql+psycopg://postgres@127.0.0.1:5432/test"
                f"?options=-csearch_path%3D{schema}",
            )
        )
    except Exception as e:  # a bench reports and goes on
        print(f"postgresql: skipped ({e})")
    try:
        yield dbs
    finally:
        if admin is not None:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            admin.close()


def run(name: str, url: str, laws: int, per_law: int, n_queries: int) -> None:
    rnd = random.Random(7)
    engine: Engine = engine_for_url(url)
    migrate(engine)
    sessions: sessionmaker[Session] = make_session_factory(engine)
    t = time.perf_counter()
    for i in range(laws):
        with sessions.begin() as s:
            import_law(s, name=f"示范法{i:03d}", text=corpus_text(rnd, per_law))
    with sessions.begin() as s:
        if name == "postgresql":
            s.execute(text("ANALYZE legal_article"))
        total = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
        ids = list(s.scalars(select(ArticleRow.id)))
        bodies = [s.get_one(ArticleRow, rnd.choice(ids)).body for _ in range(n_queries)]
    print(f"{name}: {total} articles imported in {time.perf_counter() - t:.1f} s")
    long_q, short_q, two_q = [], [], []
    for b in bodies:
        k = rnd.randint(4, 8)
        i = rnd.randrange(0, max(1, len(b) - k))
        long_q.append(b[i : i + k])
        short_q.append(b[i : i + 2])
        two_q.append(f"{b[i : i + 3]} {b[-6:-3]}")
    with sessions() as s:

        def ours(q: str) -> object:
            return search(s, q, limit=20)

        def pk(q: str) -> object:
            return s.get(ArticleRow, ids[len(q) % len(ids)], populate_existing=True)

        def naive(q: str) -> object:
            return s.execute(
                select(ArticleRow.id).where(ArticleRow.body.like(f"%{q}%")).limit(20)
            ).all()

        for _ in range(20):  # warm caches
            ours(long_q[0])
        rows = [
            ("primary-key read (floor)", timed(pk, long_q)),
            ("search, 4–8 chars", timed(ours, long_q)),
            ("search, 2 chars (LIKE path)", timed(ours, short_q)),
            ("search, two terms", timed(ours, two_q)),
            ("plain LIKE, every match", timed(naive, long_q[: max(50, n_queries // 4)])),
        ]
        missing = [q for q in long_q[:50] if not search(s, q, limit=200)]
        assert not missing, f"found nothing for {missing}"
    for label, xs in rows:
        print(f"  {label:30s} p50 {p(xs, 50):7.2f} ms   p99 {p(xs, 99):7.2f} ms   (n={len(xs)})")
    engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--laws", type=int, default=300)
    ap.add_argument("--per-law", type=int, default=100)
    ap.add_argument("--queries", type=int, default=400)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, databases(Path(tmp)) as dbs:
        for name, url in dbs:
            run(name, url, a.laws, a.per_law, a.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
