"""One central and one broker per test module and database (SQLite, PostgreSQL): the
journeys of a module share them, as the desks of one site share their central."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import pg_schema_url

from .site import World, open_world

pytestmark = pytest.mark.browser


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"journeys-{request.param}")
    if request.param == "sqlite":
        with open_world(tmp, "sqlite", f"sqlite:///{tmp / 'central.db'}") as w:
            yield w
        return
    for url in pg_schema_url("zf_journeys"):  # the schema is dropped when the loop ends
        with open_world(tmp, "postgres", url) as w:
            yield w


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screens are saved (``$ZHIFANG_UI_SHOTS`` to keep them)."""
    d = Path(os.environ.get("ZHIFANG_UI_SHOTS") or tmp_path_factory.mktemp("shots"))
    d.mkdir(parents=True, exist_ok=True)
    return d
