"""0003_workflow makes exactly the workflow tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from central.database import alembic_config, load_models

WORKFLOW_TABLES = {
    "matter",
    "matter_transition",
    "matter_pause",
    "matter_extension",
    "matter_person",
    "matter_visit",
}


def _table(diff: object) -> str | None:
    # diff entries: ("add_table", Table) / ("add_column", schema, table, Column) / lists
    item = diff[0] if isinstance(diff, list) else diff
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None) if not isinstance(part, str) else part
        if getattr(part, "table", None) is not None:
            return str(part.table.name)
        if hasattr(part, "columns") and name:
            return str(name)
        if isinstance(part, str) and part in WORKFLOW_TABLES:
            return part
    return None


def test_revision_branches_from_the_foundation():
    script = ScriptDirectory.from_config(alembic_config())
    rev = script.get_revision("0003_workflow")
    assert rev is not None and rev.down_revision == "0001_foundation"


def test_workflow_tables_match_the_models(engine: Engine):
    assert set(inspect(engine).get_table_names()) >= WORKFLOW_TABLES
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, load_models())
    ours = [d for d in diff if _table(d) in WORKFLOW_TABLES]
    assert ours == [], f"workflow models and 0003_workflow differ: {ours}"
