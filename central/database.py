"""Engines, sessions and migrations.

SQLite (the embedded default) runs in WAL mode with ``synchronous=NORMAL`` (a commit
survives a process crash; only an OS crash may lose the last commits, never corrupt
the file), a busy timeout, and foreign keys on. PostgreSQL is used by URL
(``postgresql+psycopg://...``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

import central
from central.db import Base

from .settings import Settings

BASE_REVISION = "0001_foundation"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATE_LOCK_ID = 0x5A48_4946  # "ZHIF": the advisory lock migrations take on PostgreSQL


def make_engine(settings: Settings, *, write_immediate: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``settings.db_url``.

    ``write_immediate`` (SQLite only, the default) starts every transaction with
    ``BEGIN IMMEDIATE``. Nearly every request at central reads and then writes (an
    audited read writes its audit row; ingest reads what it projects onto): with a
    plain ``BEGIN`` such a transaction upgrades its read lock when it writes, and in
    WAL mode that fails at once with "database is locked" if another connection wrote
    in between (the busy timeout does not apply to the upgrade). Taking the write lock
    at the start makes concurrent requests wait their turn for up to the busy timeout;
    readers outside a transaction are not blocked (WAL).
    """
    return engine_for_url(settings.db_url, write_immediate=write_immediate, **kwargs)


def engine_for_url(url_text: str | URL, *, write_immediate: bool = False, **kwargs: Any) -> Engine:
    url = make_url(url_text)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )
    begin = "BEGIN IMMEDIATE" if write_immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # take transaction control from pysqlite so that BEGIN is ours (see "begin")
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(
    session: Session, *, keep_on: tuple[type[BaseException], ...] = ()
) -> Iterator[Session]:
    """One request's change, all or nothing: commit when the block ends, roll back if it
    raises (and re-raise). The public service function a route calls wraps its body in
    this; the helpers it composes only flush (see ``docs/architecture.md``).

    ``keep_on``: refusals that are themselves recorded (an evidence upload refused with
    its reason): what the block wrote is committed before the refusal goes on up.

    On SQLite (``make_engine``'s ``write_immediate``) the transaction began with
    ``BEGIN IMMEDIATE`` at its first statement, so the write lock is held from the
    first read of the block to this commit."""
    try:
        try:
            yield session
        except keep_on:
            session.commit()
            raise
        session.commit()
    except BaseException:
        session.rollback()
        raise


def load_models() -> MetaData:
    """Import every ``central.<domain>.models`` module so ``Base.metadata`` is complete."""
    for info in pkgutil.iter_modules(central.__path__):
        if not info.ispkg or info.name == "migrations":
            continue
        name = f"central.{info.name}.models"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return Base.metadata


def alembic_config() -> Any:
    """Alembic config for our migrations; pass a connection in ``cfg.attributes``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def migrate(engine: Engine, *, revision: str = "heads", settings: Settings | None = None) -> None:
    """Bring the schema up to ``revision`` (all heads: every domain's branch).

    Safe to run from several processes at once (serve and ingest workers all migrate
    on start): the first takes a lock, the others wait and then find nothing to do.
    ``settings`` gives migrations that re-encrypt stored data their key (0014 seals
    stored payloads); without them such a migration fails when it has data to change.
    """
    cfg = alembic_config()
    if settings is not None:
        cfg.attributes["settings"] = settings
    sqlite = engine.dialect.name == "sqlite"
    if sqlite and engine.url.database and engine.url.database != ":memory:":
        # processes opening a brand-new SQLite file at once race to switch it to WAL,
        # and SQLite answers "database is locked" without waiting: a file lock beside
        # the database puts the migrating processes in a queue
        import fcntl

        lock_path = Path(engine.url.database).with_name(Path(engine.url.database).name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                _upgrade(engine, cfg, revision, sqlite=True)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return
    _upgrade(engine, cfg, revision, sqlite=sqlite)


def _upgrade(engine: Engine, cfg: Any, revision: str, *, sqlite: bool) -> None:
    from alembic import command

    # SQLite: the whole migration in one BEGIN IMMEDIATE transaction (the write lock first)
    eng = engine_for_url(engine.url, write_immediate=True, poolclass=NullPool) if sqlite else engine
    try:
        with eng.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK_ID})")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if eng is not engine:
            eng.dispose()
