"""import: historical petition records brought in from a spreadsheet: each site's
column mapping, each run, and each imported matter's identity (site + key) so a re-run
changes nothing.

Revision ID: 0019_import
Revises: 0018_intake
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019_import"
down_revision = "0018_intake"
branch_labels = None
depends_on = None
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_mapping",
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("columns", JSON, nullable=False, comment="field key → header"),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_import_mapping")),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False,
                  comment="of the file as uploaded"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False, comment="new matters"),
        sa.Column("unchanged", sa.Integer(), nullable=False, comment="imported before"),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("new_people", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )  # fmt: skip
    op.create_index(op.f("ix_import_batch_site"), "import_batch", ["site"])
    op.create_table(
        "import_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False,
                  comment="no:<own number> / row:<row hash>"),
        sa.Column("digest", sa.String(length=64), nullable=False,
                  comment="SHA-256 of what the row said"),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False, comment="its row in the file"),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["matter_id"], ["matter.id"],
                                name=op.f("fk_import_record_matter_id_matter")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_import_record_person_id_person")),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"],
                                name=op.f("fk_import_record_batch_id_import_batch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_record")),
        sa.UniqueConstraint("site", "key", name="uq_import_record_site_key"),
        sa.UniqueConstraint("matter_id", name=op.f("uq_import_record_matter_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_import_record_person_id"), "import_record", ["person_id"])
    op.create_index(op.f("ix_import_record_batch_id"), "import_record", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_import_record_batch_id"), table_name="import_record")
    op.drop_index(op.f("ix_import_record_person_id"), table_name="import_record")
    op.drop_table("import_record")
    op.drop_index(op.f("ix_import_batch_site"), table_name="import_batch")
    op.drop_table("import_batch")
    op.drop_table("import_mapping")
