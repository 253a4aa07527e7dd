"""The access tests' world: two sites and every kind of caller (``world.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from central.settings import Settings

from .world import World, build


@pytest.fixture
def world(settings: Settings, engine: Engine, sessions: sessionmaker[Session]) -> Iterator[World]:
    w = build(settings, engine, sessions)
    yield w
    w.close()
