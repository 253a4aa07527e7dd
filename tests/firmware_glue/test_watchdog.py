"""sd_notify over a real unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_glue.watchdog import (
    FakeWatchdog,
    NullWatchdog,
    SdNotifyWatchdog,
    from_environment,
    watchdog_interval,
)


class FakeSystemd:
    """The receiving end of $NOTIFY_SOCKET."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(5)

    def receive(self) -> dict[str, str]:
        data = self.sock.recv(4096).decode("utf-8")
        return dict(line.split("=", 1) for line in data.split("\n"))

    def nothing_waiting(self) -> bool:
        self.sock.settimeout(0.05)
        try:
            self.sock.recv(4096)
            return False
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(5)


@pytest.fixture(params=["path", "abstract"])
def systemd(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, FakeSystemd]]:
    address = str(tmp_path / "notify") if request.param == "path" else f"@zf-{uuid.uuid4().hex}"
    s = FakeSystemd(address)
    yield address, s
    s.sock.close()


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_ready_status_and_watchdog_reach_systemd(systemd: tuple[str, FakeSystemd]) -> None:
    address, sd = systemd
    env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": str(os.getpid())}
    wd = from_environment(env)
    assert isinstance(wd, SdNotifyWatchdog) and wd.interval_s == 10.0
    assert wd.ready(status="已连接\n待发送 0")
    assert sd.receive() == {"READY": "1", "STATUS": "已连接 待发送 0"}  # one line, UTF-8
    assert wd.ping()
    assert sd.receive() == {"WATCHDOG": "1"}
    assert wd.stopping()
    assert sd.receive() == {"STOPPING": "1"}


def test_pings_only_when_due_and_healthy(systemd: tuple[str, FakeSystemd]) -> None:
    address, sd = systemd
    clock = Clock()
    wd = SdNotifyWatchdog(address, interval_s=10.0, clock=clock)
    wd.ready()
    sd.receive()
    clock.t += 5
    assert not wd.ping_if_due()  # too soon after READY
    clock.t += 5
    assert not wd.ping_if_due(healthy=False)  # a hung loop says so: systemd will restart
    assert sd.nothing_waiting()
    assert wd.ping_if_due()
    assert sd.receive() == {"WATCHDOG": "1"}
    assert not wd.ping_if_due()


def test_systemd_gone_is_logged_not_fatal(tmp_path: Path) -> None:
    wd = SdNotifyWatchdog(str(tmp_path / "nobody-listens"), interval_s=1.0)
    assert wd.ready() is False
    assert wd.ping() is False


def test_environment_without_systemd_or_for_another_pid() -> None:
    assert isinstance(from_environment({}), NullWatchdog)
    assert from_environment({}).ping_if_due() is False
    assert watchdog_interval({"WATCHDOG_USEC": "4000000"}, 7) == 2.0
    assert watchdog_interval({"WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}, 7) is None
    assert watchdog_interval({"WATCHDOG_USEC": "soon"}, 7) is None
    with pytest.raises(ValueError, match="NOTIFY_SOCKET"):
        SdNotifyWatchdog("relative/path")


def test_the_fake_records_what_would_be_sent() -> None:
    clock = Clock()
    wd = FakeWatchdog(interval_s=1.0, clock=clock)
    wd.ready(status="starting")
    for _ in range(5):
        clock.t += 0.5
        wd.ping_if_due()
    assert wd.sent("READY") == ["1"]
    assert wd.sent("STATUS") == ["starting"]
    assert wd.sent("WATCHDOG") == ["1", "1"]


def test_the_asyncio_task_says_ready_then_pings_until_cancelled() -> None:
    import asyncio

    clock = Clock()
    wd = FakeWatchdog(interval_s=2.0, clock=clock)
    started = [False]

    async def fake_sleep(s: float) -> None:
        clock.t += s
        started[0] = True  # the server comes up during the first wait
        await asyncio.sleep(0)

    async def main() -> None:
        from firmware_glue.watchdog import watch_event_loop

        task = asyncio.create_task(
            watch_event_loop(
                wd, ready_when=lambda: started[0], status=lambda: "ok", sleep=fake_sleep
            )
        )
        while len(wd.sent("WATCHDOG")) < 3:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert wd.messages[0] == {"READY": "1", "STATUS": "ok"}
    assert wd.sent("WATCHDOG") == ["1", "1", "1"]
    assert wd.messages[-1] == {"STOPPING": "1"}
