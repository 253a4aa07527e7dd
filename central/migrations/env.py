"""Alembic environment. The URL comes from the engine ``migrate()`` passes in, or from
``Settings`` (``ZHIFANG_DATABASE_URL``) when alembic is run by hand."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection

from central.database import load_models, make_engine
from central.db import UTCDateTime
from central.settings import Settings

target_metadata = load_models()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    # our UTCDateTime is a Python-side conversion; in the schema it is a plain timestamp
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(Settings())
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
