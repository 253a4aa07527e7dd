"""Where the tests find PostgreSQL, a fresh schema per test, and migrated copies.

``scripts/ensure-postgres.sh`` (run by ``make test``) writes the URL to
``var/test-pg-url``: the machine's own server at 127.0.0.1:5432/test when it answers,
or a private cluster it started. ``ZHIFANG_TEST_PG_URL`` overrides both.

Why copies: every central test starts on a freshly migrated database, and running
all the migrations (0001…0020) for each one was most of the suite's time (about
0.2 s a test on SQLite, 0.6 s on PostgreSQL, for some 2,000 tests). So each test
process migrates once per database kind, into a template, and ``Migrated.fill``
copies the template into each test's empty database:

* SQLite: the migrated file, checkpointed and closed (nothing left in a ``-wal``
  file), copied to the test's path: byte for byte what ``migrate`` wrote.
* PostgreSQL: the statements the migrations sent while they migrated the template
  schema (their names are unqualified: the search_path's schema), replayed in one
  round trip into a new schema, ahead of the test on a background thread, and
  renamed to the test's schema when it asks. Not ``pg_dump``'s script of the template: it
  makes the same tables, but PostgreSQL does not store some of what it prints (a
  trigger's ``WHEN x IN (...)``) as it stores the migration's own statement.

Either way ``alembic_version`` is at the heads, so ``migrate`` called again (``zhifang
central migrate``, or a test's own call) finds nothing to do; ``tests/
test_migrated_copy.py`` holds the copies to what ``migrate`` makes. The template is
built by the process that uses it, from the migrations in its tree, and dropped at
the end of the session: several pytest processes (worktrees) can share the ``test``
database. Tests of the migrations themselves make their own engines on empty
databases and run ``migrate`` for real. ``ZHIFANG_TEST_MIGRATE=each`` runs the real
migrations for every test instead of copying (to compare, or to bisect a doubt).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import tempfile
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from central.database import engine_for_url, migrate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    if url := os.environ.get("ZHIFANG_TEST_PG_URL"):
        return url
    f = ROOT / "var" / "test-pg-url"
    return f.read_text().strip() if f.exists() else DEFAULT


def _plain(url: str) -> str:
    """The URL as libpq (psycopg, pg_dump) takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _connect_pg(url: str) -> Any:
    """A psycopg connection (autocommit), or skip the test when PostgreSQL is absent."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'zhifang[postgres]')")
    try:
        return psycopg.connect(_plain(url), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        pytest.skip(f"PostgreSQL is not reachable at {_plain(url)} (make test starts one): {e}")


def schema_url(base: str, schema: str) -> str:
    """``base`` with its search_path set to ``schema``."""
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def schema_of(url: str) -> str:
    """The schema a ``schema_url`` points into."""
    m = re.search(r"search_path%3D(\w+)", url)
    if m is None:
        raise ValueError(f"no search_path schema in {url}")
    return m.group(1)


def pg_schema_url(prefix: str = "zf") -> Iterator[str]:
    """Yield a SQLAlchemy URL whose search_path is a new, empty schema; drop it afterwards
    (in the background: the next test need not wait for it)."""
    base = pg_url()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _here().execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(base, schema)
    finally:
        drop_later(schema)


# --- housekeeping: PostgreSQL work a test need not wait for ----------------------------
# One thread drops the schemas of finished tests and migrates the next test's schema
# ahead (``Migrated``) while the test runs: PostgreSQL does it on the other core. Its
# commits need not reach the disk (synchronous_commit=off): a test schema is not data
# to keep, and what a commit makes is visible at once all the same. The thread is
# joined, with what it has left to do, before the process exits.

_HOUSEKEEPING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zf-pg-housekeeping")
_PENDING: deque[Future[None]] = deque()
_MAX_PENDING = 8  # drops queued before a test waits for the oldest
_CONNS = threading.local()


def _here() -> Any:
    """This thread's own autocommit connection to the test database (skips the test
    when PostgreSQL is absent)."""
    conn = getattr(_CONNS, "conn", None)
    if conn is None or conn.closed or conn.broken:
        conn = _connect_pg(pg_url())
        conn.execute("SET synchronous_commit = off")
        _CONNS.conn = conn
    return conn


def _drop(schema: str) -> None:
    _here().execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def drop_later(schema: str) -> None:
    """Drop ``schema`` (and all in it) on the housekeeping thread."""
    _PENDING.append(_HOUSEKEEPING.submit(_drop, schema))
    while _PENDING and (_PENDING[0].done() or len(_PENDING) > _MAX_PENDING):
        _PENDING.popleft().result()  # a failed drop fails the test that queued it later


def wait_for_housekeeping() -> None:
    while _PENDING:
        _PENDING.popleft().result()


class Migrated:
    """What ``migrate`` makes of an empty database, made once per process and database
    kind (when first asked for) and copied by ``fill``. ``close`` removes the templates."""

    def __init__(self) -> None:
        self.real = os.environ.get("ZHIFANG_TEST_MIGRATE") == "each"
        self._dir: Path | None = None
        self._sqlite: Path | None = None
        self._pg_script: str | None = None
        self._ahead: Future[str] | None = None
        self._lock = threading.Lock()

    def fill(self, url: str) -> None:
        """Make the empty database at ``url`` (a SQLite file that does not exist yet, or
        a ``pg_schema_url`` schema) what ``migrate`` makes of it."""
        if self.real:
            _migrate_url(url)
        elif make_url(url).get_backend_name() == "sqlite":
            self._fill_sqlite(url)
        else:
            self._fill_postgres(url)

    def close(self) -> None:
        self._close_postgres()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # --- SQLite: the migrated file ----------------------------------------------------

    def _fill_sqlite(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        if not path.name or path.name == ":memory:" or path.exists():
            raise ValueError(f"fill needs the path of a database still to make, not {url}")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite_template(), path)

    def _sqlite_template(self) -> Path:
        if self._sqlite is None:
            self._dir = Path(tempfile.mkdtemp(prefix="zf-migrated-"))
            path = self._dir / "central.db"
            _migrate_url(f"sqlite:///{path}")
            # every page in the main file: a copy of the file alone is the database
            with sqlite3.connect(path) as c:
                busy, _, _ = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            c.close()  # the last connection: SQLite removes the -wal and -shm files
            wal = path.with_name(path.name + "-wal")
            if busy or (wal.exists() and wal.stat().st_size):
                raise RuntimeError(f"the template {path} kept pages in its WAL")
            self._sqlite = path
        return self._sqlite

    # --- PostgreSQL: the statements the migrations ran on the template schema ---------

    def _fill_postgres(self, url: str) -> None:
        """Swap the test's empty schema for one migrated ahead (or now, the first time):
        a renamed schema holds the same objects, its sequences and triggers' functions
        bound to them, not to its name."""
        target = schema_of(url)
        ready = self._ahead.result() if self._ahead else self._make_migrated()
        self._ahead = _HOUSEKEEPING.submit(self._make_migrated)
        with _here().transaction():
            _here().execute(f'DROP SCHEMA "{target}"; ALTER SCHEMA "{ready}" RENAME TO "{target}"')

    def _make_migrated(self) -> str:
        """A new schema the migrations' statements made, on this thread's connection."""
        script = self._postgres_script()
        name = f"zf_migrated_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        conn = _here()
        with conn.transaction():
            conn.execute(f'CREATE SCHEMA "{name}"; SET LOCAL search_path = "{name}"')
            conn.execute(script)
        return name

    def _close_postgres(self) -> None:
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            drop_later(ahead.result())
        wait_for_housekeeping()

    def _postgres_script(self) -> str:
        """Every statement ``migrate`` sent while it migrated an empty schema of this
        process's own, its parameters inlined (as psycopg inlines them), in one script.
        Names in them are unqualified (the search_path's schema), so the script makes
        the same objects in any schema; only the migration lock is left out."""
        with self._lock:
            if self._pg_script is None:
                self._pg_script = _captured_migration()
            return self._pg_script


def _captured_migration() -> str:
    import psycopg
    from sqlalchemy import event

    gen = pg_schema_url(f"zf_migrated_{os.getpid()}")
    url = next(gen)
    sent: list[str] = []
    engine = engine_for_url(url, write_immediate=True)
    conn = _connect_pg(url)
    try:
        mogrify = psycopg.ClientCursor(conn).mogrify

        @event.listens_for(engine, "before_cursor_execute")
        def _sent(_c: Any, _cur: Any, stmt: str, params: Any, _x: Any, many: bool) -> None:
            for one in params if many else [params]:
                sent.append(stmt if one is None else mogrify(stmt, one))

        migrate(engine)
    finally:
        conn.close()
        engine.dispose()
        gen.close()
    lock = "SELECT pg_advisory_xact_lock"
    script = ";\n".join(s for s in sent if not s.lstrip().startswith(lock))
    if schema_of(url) in script or "alembic_version" not in script:
        raise RuntimeError(f"the migrations of {url} cannot be replayed elsewhere")
    return script


def _migrate_url(url: str) -> None:
    """The real migrations, as ``zhifang central migrate`` runs them."""
    engine = engine_for_url(url, write_immediate=True)
    try:
        migrate(engine)
    finally:
        engine.dispose()
