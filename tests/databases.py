"""Where the tests find PostgreSQL, and a fresh schema per test.

``scripts/ensure-postgres.sh`` (run by ``make test``) writes the URL to
``var/test-pg-url``: the machine's own server at 127.0.0.1:5432/test when it answers,
or a private cluster it started. ``ZHIFANG_TEST_PG_URL`` overrides both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    if url := os.environ.get("ZHIFANG_TEST_PG_URL"):
        return url
    f = ROOT / "var" / "test-pg-url"
    return f.read_text().strip() if f.exists() else DEFAULT


def pg_schema_url(prefix: str = "zf") -> Iterator[str]:
    """Yield a SQLAlchemy URL whose search_path is a new schema; drop it afterwards."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'zhifang[postgres]')")
    base = pg_url()
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    try:
        conn = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL is not reachable at {plain} (make test starts one): {e}")
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()
