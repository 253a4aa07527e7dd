"""The migrations make exactly the schema the models describe, on both databases."""

from __future__ import annotations

import threading
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from central.database import BASE_REVISION, alembic_config, load_models, make_engine, migrate
from central.settings import Settings

FOUNDATION_TABLES = {
    "device",
    "event",
    "device_seq",
    "quarantine",
    "person",
    "reception",
    "reception_step",
    "audit_log",
}


def test_the_base_revision_is_the_foundation() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    bases = script.get_bases()
    assert bases == [BASE_REVISION] == ["0001_foundation"]


def _table_of(diff: Any) -> str:
    """The table a compare_metadata entry is about (entries differ in shape by kind)."""
    if isinstance(diff, list):  # modify_* entries come grouped per column
        return str(diff[0][2])
    kind, obj = diff[0], diff[1]
    if kind in ("add_column", "remove_column"):
        return str(diff[2])
    if kind in ("add_table", "remove_table"):
        return str(obj.name)
    return str(obj.table.name)  # indexes, constraints, foreign keys


def _modelled(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """SQLite's FTS5 virtual table for legal search (and its shadow tables) is made
    by its migration in raw SQL: no SQLAlchemy model can describe it."""
    return not (type_ == "table" and (name or "").startswith("legal_article_fts"))


def _drift(settings: Settings) -> list[Any]:
    engine: Engine = make_engine(settings)
    try:
        migrate(engine)
        migrate(engine)  # a second run is a no-op
        assert set(inspect(engine).get_table_names()) >= FOUNDATION_TABLES
        script = ScriptDirectory.from_config(alembic_config())
        with engine.connect() as conn:
            assert set(MigrationContext.configure(conn).get_current_heads()) == set(
                script.get_heads()
            )
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": _modelled}
            )
            return list(compare_metadata(ctx, load_models()))
    finally:
        engine.dispose()


def test_migrate_makes_the_foundation_tables_exactly_as_the_models_say(settings: Settings) -> None:
    diff = [d for d in _drift(settings) if _table_of(d) in FOUNDATION_TABLES]
    assert diff == [], f"foundation models and 0001_foundation differ: {diff}"


def test_every_domain_has_a_migration_for_its_models(settings: Settings) -> None:
    """Project-wide: a domain that adds tables must add its migration (down_revision
    "0001_foundation"); this names the tables that have none or differ."""
    diff = _drift(settings)
    tables = sorted({_table_of(d) for d in diff})
    assert diff == [], f"models without a matching migration, tables: {tables}"


def test_several_processes_migrating_at_once_do_not_trip_over_each_other(
    settings: Settings,
) -> None:
    engines = [make_engine(settings) for _ in range(3)]
    errors: list[BaseException] = []

    def run(e: Engine) -> None:
        try:
            migrate(e)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()
    assert errors == []
