"""Evidence benchmarks (issue 4 item 7): ``python -m bench.evidence.run``.

1. hashing + signing recorded media on the box vs bare ``hashlib.sha256`` over the
   same bytes in the same run (target >= 0.9 of it);
2. log appends per second with persisted state on SQLite (target >= 20,000/s);
3. proof generation and verification at one million entries (target < 1 ms each),
   for the pure tree code (nodes in a dict) and for the SQLite-backed log.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.recording.recorder import write_y4m
from appliance.recording.spool import Spool
from firmware_glue.media import SyntheticVideoSource
from protocol import keys, merkle
from protocol.evidence import SegmentManifest, sign_manifest


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def best_pair(a, b, repeat: int = 9) -> tuple[float, float]:
    """Interleave two measurements (the CPU is shared): best time of each."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(best(a, 1))
        tb.append(best(b, 1))
    return min(ta), min(tb)


def bench_media(mb: int) -> None:
    """4-second segments of real Y4M video (640x480, 10 fps), as the recorder makes them."""
    src = SyntheticVideoSource(width=640, height=480, fps=10)
    frames = [src.read() for _ in range(40)]
    seg = b"".join(
        [b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"]
        + [b"FRAME\n" + f.yuv420 for f in frames if f is not None]
    )
    n_segments = max(1, mb * 1024 * 1024 // len(seg))
    # the exact writes write_y4m makes into HashingFile: header, then FRAME + picture
    chunks = [seg[: seg.index(b"\n") + 1]]
    for f in frames:
        if f is not None:
            chunks += [b"FRAME\n", f.yuv420]
    total = len(seg) * n_segments
    key = Ed25519PrivateKey.generate()
    kid = keys.key_id(key)

    def bare() -> None:
        for _ in range(n_segments):
            hashlib.sha256(seg).digest()

    def evidence() -> None:
        prev = None
        for i in range(n_segments):
            h = hashlib.sha256()
            for c in chunks:  # what HashingFile does on every write
                h.update(c)
            m = SegmentManifest(
                reception_id="01937a2b-4c00-7d00-8e00-0000000000a1", device="desk-01",
                device_key=kid, index=i, start_ms=i * 1000, end_ms=i * 1000 + 1000,
                media="video", container="y4m", sha256=h.hexdigest(), size=len(seg),
                prev=prev, final=False,
            )  # fmt: skip
            prev = sign_manifest(m, key).manifest_hash()

    tb, te = best_pair(bare, evidence)
    print(f"media: {n_segments} segments of {len(seg) / 1e6:.1f} MB ({total / 1e6:.0f} MB)")
    print(f"  bare hashlib.sha256 : {total / tb / 1e6:8.1f} MB/s")
    print(f"  hash + sign + chain : {total / te / 1e6:8.1f} MB/s   ratio {tb / te:.3f} (>= 0.9)")

    with tempfile.TemporaryDirectory() as tmp:
        spool = Spool(Path(tmp), limit_bytes=10**12)

        def spooled() -> None:
            for i in range(n_segments):
                out = spool.new_segment("r" * 36, i, "y4m")
                write_y4m(out, frames, 10)  # type: ignore[arg-type]
                out.commit()

        ts = best(spooled, repeat=1)
    print(f"  spool write (fsync) : {total / ts / 1e6:8.1f} MB/s   (disk-bound, for reference)")


def bench_appends(n: int, batch: int) -> None:
    from central.database import make_engine, make_session_factory
    from central.db import Base
    from central.evidence import models
    from central.evidence.log import Entry, EvidenceLog
    from central.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(environment="development", data_dir=Path(tmp)))
        tables = [m.__table__ for m in (models.LogState, models.Leaf, models.Node)]
        Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
        sessions = make_session_factory(engine)
        log = EvidenceLog(origin="bench/log", key=Ed25519PrivateKey.generate())
        rnd = random.Random(1)
        datas = [rnd.randbytes(600) for _ in range(n)]  # a signed manifest is ~600 bytes
        entries = [
            Entry(d, hashlib.sha256(d).hexdigest(), "r" * 36, i) for i, d in enumerate(datas)
        ]
        t = time.perf_counter()
        for b in range(0, n, batch):
            with sessions() as s:
                log.append(s, entries[b : b + batch])
                s.commit()
        dt = time.perf_counter() - t
        print(f"appends: {n} on SQLite (WAL, synchronous=NORMAL), batches of {batch}")
        print(f"  {n / dt:,.0f} appends/s (>= 20,000)")
        engine.dispose()


def bench_proofs(n: int, sql: bool) -> None:
    frontier, nodes = merkle.Frontier(), {}
    leaves = [i.to_bytes(8, "big") for i in range(n)]
    t = time.perf_counter()
    for leaf in leaves:
        for level, i, h in frontier.append(merkle.hash_leaf(leaf)):
            nodes[(level, i)] = h
    print(f"proofs at {n:,} entries (tree built in {time.perf_counter() - t:.1f} s)")
    root = frontier.root()
    get = lambda ids: [nodes[i] for i in ids]  # noqa: E731
    rnd = random.Random(2)
    idx = [rnd.randrange(n) for _ in range(2000)]
    t = time.perf_counter()
    proofs = [merkle.inclusion_proof(i, n, get) for i in idx]
    gen = (time.perf_counter() - t) / len(idx)
    t = time.perf_counter()
    for i, p in zip(idx, proofs, strict=True):
        merkle.verify_inclusion(i, n, merkle.hash_leaf(leaves[i]), p, root)
    ver = (time.perf_counter() - t) / len(idx)
    sizes = [rnd.randrange(1, n) for _ in range(2000)]
    t = time.perf_counter()
    cps = [merkle.consistency_proof(s, n, get) for s in sizes]
    cgen = (time.perf_counter() - t) / len(sizes)
    olds = [merkle.root(s, get) for s in sizes]
    t = time.perf_counter()
    for s, p, r in zip(sizes, cps, olds, strict=True):
        merkle.verify_consistency(s, n, p, r, root)
    cver = (time.perf_counter() - t) / len(sizes)
    print(f"  inclusion   generate {gen * 1e3:.3f} ms   verify {ver * 1e3:.3f} ms   (< 1 ms)")
    print(f"  consistency generate {cgen * 1e3:.3f} ms   verify {cver * 1e3:.3f} ms   (< 1 ms)")
    if sql:
        bench_sql_proofs(n, leaves, idx, root)


def bench_sql_proofs(n: int, leaves: list[bytes], idx: list[int], root: bytes) -> None:
    from central.database import make_engine, make_session_factory
    from central.db import Base
    from central.evidence import models
    from central.evidence.log import Entry, EvidenceLog
    from central.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Settings(environment="development", data_dir=Path(tmp)))
        tables = [m.__table__ for m in (models.LogState, models.Leaf, models.Node)]
        Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
        sessions = make_session_factory(engine)
        log = EvidenceLog(origin="bench/log", key=Ed25519PrivateKey.generate())
        t = time.perf_counter()
        for b in range(0, n, 10_000):
            with sessions() as s:
                log.append(
                    s, [Entry(d, f"{b + i:064x}") for i, d in enumerate(leaves[b : b + 10_000])]
                )
                s.commit()
        print(f"  SQLite log of {n:,} built in {time.perf_counter() - t:.0f} s")
        fresh = EvidenceLog(origin="bench/log", key=log.signer.key)  # cold node cache
        with sessions() as s:
            t = time.perf_counter()
            proofs = [fresh.inclusion_proof(s, i, n) for i in idx]
            cold = (time.perf_counter() - t) / len(idx)
            t = time.perf_counter()
            proofs = [fresh.inclusion_proof(s, i, n) for i in idx]
            warm = (time.perf_counter() - t) / len(idx)
        for i, p in zip(idx, proofs, strict=True):
            merkle.verify_inclusion(i, n, merkle.hash_leaf(leaves[i]), p, root)
        print(f"  SQLite inclusion generate {cold * 1e3:.3f} ms (cold), {warm * 1e3:.3f} ms (warm)")
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--media-mb", type=int, default=200)
    ap.add_argument("--appends", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--proof-size", type=int, default=1_000_000)
    ap.add_argument("--no-sql-proofs", action="store_true", help="skip the 1M SQLite log")
    ap.add_argument("--only", choices=["media", "appends", "proofs"], help="run one part")
    a = ap.parse_args()
    u = platform.uname()
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  {u.system} {u.release} {u.machine}")
    print(f"# nproc {os.cpu_count()}  python {platform.python_version()}")
    if a.only in (None, "media"):
        bench_media(a.media_mb)
    if a.only in (None, "appends"):
        bench_appends(a.appends, a.batch)
    if a.only in (None, "proofs"):
        bench_proofs(a.proof_size, not a.no_sql_proofs)


if __name__ == "__main__":
    main()
