"""Migration 0019_import on SQLite and PostgreSQL: it makes the import's tables as the
models say (the project-wide drift test checks the columns), they hold a record, the
database refuses the same record twice at a site, and the migration goes back and up."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from central.database import alembic_config, make_engine, migrate
from central.settings import Settings

TABLES = {"import_mapping", "import_batch", "import_record"}


def test_0019_import_up_down_up(settings: Settings) -> None:
    engine: Engine = make_engine(settings)
    try:
        migrate(engine, revision="0018_intake")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.begin() as c:
            c.execute(text(
                "INSERT INTO person (id, name, created_at)"
                " VALUES ('p1', '郑秀英', CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            c.execute(text(
                "INSERT INTO matter (id, status, summary, officer_id, registered_at, updated_at,"
                " version, supervisions, paused) VALUES ('m1', 'archived', '拖欠工资', 'adm',"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, 0, :f)"
            ), {"f": False})  # fmt: skip
            c.execute(text(
                "INSERT INTO import_batch (id, site, filename, sha256, actor, dry_run, started_at,"
                " rows, created, unchanged, rejected, new_people) VALUES ('b1', 'minhou', 'a.csv',"
                " :h, 'adm', :f, CURRENT_TIMESTAMP, 1, 1, 0, 0, 1)"
            ), {"h": "0" * 64, "f": False})  # fmt: skip
            insert = text(
                "INSERT INTO import_record (site, key, digest, matter_id, person_id, batch_id,"
                " row_no, imported_at) VALUES ('minhou', 'no:侯检控〔2025〕1号', :d, 'm1', 'p1',"
                " 'b1', 2, CURRENT_TIMESTAMP)"
            )
            c.execute(insert, {"d": "1" * 64})
        with pytest.raises(IntegrityError), engine.begin() as c:
            c.execute(insert, {"d": "2" * 64})  # the same record at the same site
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0018_intake")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
