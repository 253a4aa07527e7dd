"""The 0002_evidence migration creates exactly what central/evidence/models.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from central.database import load_models, make_engine, migrate
from tests.auth import production_settings


def test_migration_matches_the_models(tmp_path):
    engine = make_engine(production_settings(data_dir=tmp_path))
    migrate(engine)
    metadata = load_models()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)

    def ours(d):
        text = repr(d)
        return "evidence_" in text

    assert [d for d in diffs if ours(d)] == []
