from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance.config import BoxConfig, parse_config
from appliance.outbox import Outbox
from protocol.messages import RatingGiven

BROKER = ("127.0.0.1", 1883)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def rating_body(n: int = 0) -> RatingGiven:
    return RatingGiven(
        reception_id=str(uuid.UUID(int=n + 1)), rating="satisfied", at=1_700_000_000_000 + n
    )


def wait_for(cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def broker_up(host: str = BROKER[0], port: int = BROKER[1]) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def outbox(tmp_path: Path, key: Ed25519PrivateKey):
    ob = Outbox(tmp_path / "outbox.sqlite3", device="box-1", key=key)
    yield ob
    ob.close()


@pytest.fixture
def box_config(tmp_path: Path) -> BoxConfig:
    return parse_config(
        {"site": unique("site"), "device": unique("box"), "data_dir": str(tmp_path / "data")},
        base_dir=tmp_path,
    )


@pytest.fixture
def need_broker() -> None:
    if not broker_up():
        pytest.skip("no MQTT broker on 127.0.0.1:1883 (install and start mosquitto)")
