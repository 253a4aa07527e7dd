"""The outbox: committed before published, gap-free seq, survives a killed writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from appliance.outbox import ACKED, IN_FLIGHT, PENDING, Outbox, OutboxError, WrongDeviceError
from protocol import keys
from protocol.envelope import decode

from .conftest import rating_body

ROOT = Path(__file__).resolve().parents[2]


def test_append_assigns_gap_free_seq_and_stores_the_signed_wire_bytes(outbox, key):
    envs = [outbox.append(rating_body(i)) for i in range(5)]
    assert [e.seq for e in envs] == [1, 2, 3, 4, 5]
    stored = outbox.all_events()
    assert [s.seq for s in stored] == [1, 2, 3, 4, 5]
    for env, s in zip(envs, stored, strict=True):
        assert s.wire == env.to_wire()
        back = decode(s.wire)
        back.verify(key.public_key())
        assert back.device == "box-1"
    assert outbox.counts() == {PENDING: 5, IN_FLIGHT: 0, ACKED: 0}


def test_append_many_is_one_transaction(outbox):
    envs = outbox.append_many([rating_body(i) for i in range(3)])
    assert [e.seq for e in envs] == [1, 2, 3]
    assert outbox.last_seq() == 3


def test_states_pending_in_flight_acked_and_back(outbox):
    outbox.append_many([rating_body(i) for i in range(4)])
    taken = outbox.take_pending(3)
    assert [t.seq for t in taken] == [1, 2, 3]
    assert outbox.counts() == {PENDING: 1, IN_FLIGHT: 3, ACKED: 0}
    outbox.mark_acked([1, 3])
    outbox.mark_pending([2])  # refused by the broker
    assert outbox.counts() == {PENDING: 2, IN_FLIGHT: 0, ACKED: 2}
    assert [t.seq for t in outbox.take_pending(10)] == [2, 4]
    assert outbox.pending_count() == 2


def test_in_flight_events_are_pending_again_after_a_restart(tmp_path, key):
    path = tmp_path / "o.sqlite3"
    with Outbox(path, device="box-1", key=key) as ob:
        ob.append_many([rating_body(i) for i in range(2)])
        ob.take_pending(2)
    with Outbox(path, device="box-1", key=key) as ob:
        assert ob.counts()[PENDING] == 2


def test_requeue_serves_held_events_and_reports_the_rest(outbox, key):
    outbox.append_many([rating_body(i) for i in range(6)])
    outbox.take_pending(6)
    outbox.mark_acked(range(1, 7))
    queued, missing = outbox.requeue(2, 4)
    assert (queued, missing) == (3, [])
    assert [t.seq for t in outbox.take_pending(10)] == [2, 3, 4]
    queued, missing = outbox.requeue(5, 9)
    assert (queued, missing) == (2, [(7, 9)])
    with pytest.raises(OutboxError, match="from > to"):
        outbox.requeue(4, 2)


def test_prune_keeps_acked_events_for_the_retention_window(tmp_path, key):
    now = [1_000_000]
    with Outbox(tmp_path / "o.sqlite3", device="box-1", key=key, clock_ms=lambda: now[0]) as ob:
        ob.append_many([rating_body(i) for i in range(3)])
        ob.take_pending(3)
        ob.mark_acked([1, 2])
        now[0] += 10_000
        assert ob.prune(retention_ms=60_000) == 0
        now[0] += 60_000
        assert ob.prune(retention_ms=60_000) == 2  # seq 3 is unacked: kept whatever its age
        assert [e.seq for e in ob.all_events()] == [3]
        assert ob.append(rating_body(9)).seq == 4  # the counter never goes back
        _, missing = ob.requeue(1, 4)
        assert missing == [(1, 2)]


def test_an_outbox_of_another_device_is_refused(tmp_path, key):
    path = tmp_path / "o.sqlite3"
    Outbox(path, device="box-1", key=key).close()
    with pytest.raises(WrongDeviceError, match="belongs to device 'box-1'"):
        Outbox(path, device="box-2", key=key)


def test_two_threads_appending_get_distinct_gap_free_seqs(outbox):
    seqs: list[int] = []
    lock = threading.Lock()

    def writer(base: int) -> None:
        for i in range(40):
            s = outbox.append(rating_body(base + i)).seq
            with lock:
                seqs.append(s)

    threads = [threading.Thread(target=writer, args=(n * 100,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 81))


def test_wait_drained(outbox):
    assert outbox.wait_drained(0.01)
    outbox.append(rating_body())
    assert not outbox.wait_drained(0.05)
    outbox.take_pending(1)
    threading.Timer(0.05, outbox.mark_acked, args=([1],)).start()
    assert outbox.wait_drained(5)


WRITER = """
import sys
from pathlib import Path
from appliance.outbox import Outbox
from protocol import keys
from tests.appliance.conftest import rating_body
key = keys.load_or_create_private_key(Path(sys.argv[2]))
ob = Outbox(Path(sys.argv[1]), device="box-1", key=key)
i = 0
while True:
    if i % 3 == 2:
        envs = ob.append_many([rating_body(i), rating_body(i + 1)])
    else:
        envs = [ob.append(rating_body(i))]
    for e in envs:
        print(e.seq, e.event_id, flush=True)  # printed only once committed
    i += 2
"""


def kill_writer_after(db: Path, key_path: Path, lines: int) -> dict[int, str]:
    """Run a writer, SIGKILL it after ``lines`` committed events; what it reported."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(key_path)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    assert proc.stdout is not None
    reported: dict[int, str] = {}
    try:
        for line in proc.stdout:
            seq, event_id = line.split()
            reported[int(seq)] = event_id
            if len(reported) >= lines:
                os.kill(proc.pid, signal.SIGKILL)  # pull the plug mid-stream
                break
        for line in proc.stdout:  # anything it printed before dying was committed too
            seq, event_id = line.split()
            reported[int(seq)] = event_id
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return reported


def test_a_writer_killed_mid_stream_loses_nothing_committed(tmp_path):
    db, key_path = tmp_path / "outbox.sqlite3", tmp_path / "device.key"
    public = keys.load_or_create_private_key(key_path).public_key()
    all_reported: dict[int, str] = {}
    for _round in range(3):  # kill, restart, kill again: seq continues without a gap
        all_reported.update(kill_writer_after(db, key_path, lines=150))
        with Outbox(db, device="box-1", key=keys.load_or_create_private_key(key_path)) as ob:
            assert ob.integrity_check() == "ok"
            stored = ob.all_events()
            seqs = [e.seq for e in stored]
            assert seqs == list(range(1, len(seqs) + 1)), "seq has a gap"
            assert ob.last_seq() == len(seqs)
            by_seq = {e.seq: e for e in stored}
            for seq, event_id in all_reported.items():  # every committed event is intact
                assert by_seq[seq].event_id == event_id
            for e in stored:  # nothing half-written: every row decodes and verifies
                env = decode(e.wire)
                env.verify(public)
                assert (env.seq, env.event_id) == (e.seq, e.event_id)
    assert len(all_reported) >= 450
