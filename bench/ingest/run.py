"""bench/ingest: signed events from a simulated box through Mosquitto into central's
database, next to the bare paho QoS 1 rate on the same broker in the same run.

    python -m bench.ingest.run [--events 20000] [--db sqlite|postgres|both]

The box's outbox is filled first (sealing is timed on its own line), then the box's
forwarder and one central ingest worker run as separate processes, as in the field;
the clock runs from the box's start until central's database holds every event.
Then it checks: 0 lost, 0 doubled (seq 1..N each exactly once).
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, func, select

from appliance.outbox import Outbox
from bench.baseline_mqtt import raw_rate
from central.ingest.models import Event
from protocol import keys
from protocol.ids import uuid7
from protocol.messages import (
    Body,
    IdentityChecked,
    PersonRef,
    RatingGiven,
    ReceptionEnded,
    ReceptionStarted,
    WorkflowStepDone,
)
from tests.e2e.harness import Broker, zhifang


def reception(i: int, t0: int) -> list[Body]:
    rid, officer = str(uuid7()), "officer-1"
    person = PersonRef(name=f"测试{i}", phone=f"138{i:08d}")
    steps = [
        WorkflowStepDone(reception_id=rid, officer_id=officer, step=s, at=t0 + k,
                         fields={"事由": "工资拖欠，请求督促支付" * 3})
        for k, s in enumerate(("register", "notify", "accept"))
    ]  # fmt: skip
    return [
        ReceptionStarted(reception_id=rid, officer_id=officer, started_at=t0),
        IdentityChecked(reception_id=rid, officer_id=officer, subject="petitioner",
                        method="phone", outcome="verified", person=person),
        *steps,
        RatingGiven(reception_id=rid, rating="satisfied", at=t0 + 10),
        ReceptionEnded(reception_id=rid, officer_id=officer, ended_at=t0 + 11, events=7),
    ]  # fmt: skip


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'central.db'}"
        return
    from tests.databases import pg_schema_url

    gen = pg_schema_url("zf_bench")
    try:
        yield next(gen)
    finally:
        gen.close()


def wait_line(path: Path, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{needle!r} did not appear in {path}")


def pipeline(kind: str, broker: Broker, n: int, tmp: Path) -> dict[str, float | int]:
    site, device = f"b{uuid.uuid4().hex[:8]}", "desk-01"
    with database(kind, tmp) as url:
        env = {
            "ZHIFANG_ENVIRONMENT": "development",
            "ZHIFANG_DATABASE_URL": url,
            "ZHIFANG_DATA_DIR": str(tmp / "central"),
            "ZHIFANG_MQTT_PORT": str(broker.port),
            "ZHIFANG_INGEST_CLIENT_ID": f"bench-{site}",
            "ZHIFANG_INGEST_GROUP": site,
        }
        full_env = {**os.environ, **env}
        run = [sys.executable, "-m", "zhifang"]
        subprocess.run([*run, "central", "migrate"], env=full_env, check=True,
                       capture_output=True)  # fmt: skip
        box_dir = tmp / "box"
        box_dir.mkdir()
        key = keys.load_or_create_private_key(box_dir / "device.key")
        subprocess.run(
            [*run, "central", "device", "add", device, "--site", site,
             "--public-key", keys.public_key_b64(key)],
            env=full_env, check=True, capture_output=True,
        )  # fmt: skip
        outbox = Outbox(box_dir / "outbox.sqlite3", device=device, key=key)
        bodies = [b for i in range(n // 7 + 1) for b in reception(i, 1_790_000_000_000)][:n]
        t = time.perf_counter()
        for i in range(0, n, 1000):
            outbox.append_many(bodies[i : i + 1000])
        seal_rate = n / (time.perf_counter() - t)
        outbox.close()
        cfg = box_dir / "box.toml"
        cfg.write_text(
            f'site = "{site}"\ndevice = "{device}"\ndata_dir = "{box_dir}"\n'
            f"[mqtt]\nport = {broker.port}\n"
        )
        log = tmp / "ingest.log"
        with log.open("w") as lf:
            central = zhifang("central", "ingest", "--no-migrate", env=env, stderr=lf, stdout=lf)
        try:
            wait_line(log, "ingest ready", 30)
            engine = create_engine(url)
            t0 = time.perf_counter()
            box = zhifang("appliance", "run", "--config", str(cfg), "--exit-when-drained",
                          "--drain-timeout", "600", env=env)  # fmt: skip
            q = select(func.count()).select_from(Event).where(Event.device == device)
            while True:
                with engine.connect() as c:
                    stored = int(c.scalar(q) or 0)
                if stored >= n:
                    break
                if time.perf_counter() - t0 > 900:
                    raise RuntimeError(f"only {stored}/{n} events arrived in 900 s")
                time.sleep(0.02)
            elapsed = time.perf_counter() - t0
            box.wait(60)
            time.sleep(1.0)  # anything doubled would land now
            with engine.connect() as c:
                seqs = list(c.scalars(select(Event.seq).where(Event.device == device)))
            engine.dispose()
        finally:
            central.send_signal(signal.SIGTERM)
            central.wait(30)
    expected = set(range(1, n + 1))
    return {
        "rate": n / elapsed,
        "seal_rate": seal_rate,
        "lost": len(expected - set(seqs)),
        "doubled": len(seqs) - len(set(seqs)),
        "payload": len(bodies[0].model_dump_json()) + 250,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = ap.parse_args()
    print(f"# bench/ingest {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  "
          f"{platform.node()} {platform.machine()} nproc={os.cpu_count()} "
          f"python {platform.python_version()}")  # fmt: skip
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="zf-bench-") as d:
        broker = Broker(Path(d) / "broker")
        broker.start()
        try:
            for kind in kinds:
                tmp = Path(d) / kind
                tmp.mkdir()
                baseline = raw_rate(broker.port, count=args.events, size=600)
                r = pipeline(kind, broker, args.events, tmp)
                ok = r["lost"] == 0 and r["doubled"] == 0
                print(
                    f"{kind:9s} end-to-end {r['rate']:8.0f} ev/s | bare paho QoS1 "
                    f"{baseline:8.0f} msg/s | ratio {r['rate'] / baseline:.2f} | "
                    f"lost {r['lost']} doubled {r['doubled']} {'OK' if ok else 'FAIL'} | "
                    f"(box sealing {r['seal_rate']:.0f} ev/s, not in the clock)",
                    flush=True,
                )
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
