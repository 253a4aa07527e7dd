"""Migration 0020_documents on a database made before it, on SQLite and PostgreSQL:
it adds the issued papers and the sites' templates, keeps a matter that was there,
and goes back without them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from central.database import alembic_config, make_engine, migrate
from central.db import utcnow
from central.settings import Settings

TABLES = {"issued_document", "document_template"}


def test_the_documents_tables_come_and_go(settings: Settings) -> None:
    engine: Engine = make_engine(settings)
    try:
        migrate(engine, revision="0019_import")
        assert not TABLES & set(inspect(engine).get_table_names())
        now = utcnow().replace(tzinfo=None) if engine.dialect.name == "sqlite" else utcnow()
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO matter (id, status, summary, officer_id, registered_at, "
                    "updated_at, version, supervisions, paused, channel) VALUES ('m-old', "
                    "'registered', '拖欠工资', 'officer-1', :now, :now, 1, 0, :f, 'letter')"
                ),
                {"now": now, "f": False},
            )
        migrate(engine, revision="0020_documents")
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO issued_document (id, matter_id, kind, title, sha256, size, "
                    "template_sha256, leaf_index, issued_by, issued_at) VALUES ('d1', 'm-old', "
                    "'receipt', '来信收到回执', :h, 10, :h, 0, 'clerk', :now)"
                ),
                {"h": "0" * 64, "now": now},
            )
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0019_import")
        assert not TABLES & set(inspect(engine).get_table_names())
        with engine.connect() as c:
            assert c.execute(text("SELECT summary FROM matter")).scalar_one() == "拖欠工资"
    finally:
        engine.dispose()
