"""The tests' migrated databases are copies (``tests/databases.py``): each must be what
``migrate`` makes of an empty database, on SQLite and on PostgreSQL, and ``migrate``
run again on it must find nothing to do."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.databases import Migrated, _migrate_url, _plain, pg_schema_url, pg_url, schema_of


@pytest.fixture
def real_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty database beside ``db_url``, of the same kind."""
    if make_url(db_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'real.db'}"
    else:
        yield from pg_schema_url("zf_real")


def dump(url: str) -> str:
    """Everything in the database (schema and rows) as SQL, its own name left out."""
    if make_url(url).get_backend_name() == "sqlite":
        with sqlite3.connect(make_url(url).database or "") as c:
            text = "\n".join(c.iterdump())
            text += f"\njournal_mode={c.execute('PRAGMA journal_mode').fetchone()[0]}"
        c.close()
        return text
    schema = schema_of(url)
    out = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", "--inserts", f"--schema={schema}",
         f"--dbname={_plain(pg_url())}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    out = "\n".join(line for line in out.splitlines() if not line.startswith("\\"))
    return re.sub(rf'"?\b{schema}\b"?', "SCHEMA", out)


def test_the_copy_is_what_migrate_makes_and_migrate_again_does_nothing(
    db_url: str, real_url: str, migrated: Migrated
) -> None:
    _migrate_url(real_url)
    migrated.fill(db_url)
    copied = dump(db_url)
    assert "0022_upload_status_index" in copied  # the heads are recorded (and this is not empty)
    assert copied == dump(real_url)
    _migrate_url(db_url)
    assert dump(db_url) == copied
