"""workflow: matters, transitions (the record), pauses, extensions, persons, visits

Revision ID: 0003_workflow
Revises: 0001_foundation
Create Date: 2026-11-29 17:12:07.441089
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_workflow"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matter",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "person_id",
            sa.String(length=36),
            nullable=True,
            comment="the petitioner (for a group: the first)",
        ),
        sa.Column(
            "reception_id",
            sa.String(length=36),
            nullable=True,
            comment="reception where it was registered",
        ),
        sa.Column("officer_id", sa.String(length=64), nullable=False, comment="承办人"),
        sa.Column("leader_id", sa.String(length=64), nullable=True, comment="分管领导"),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, comment="number of transitions"),
        sa.Column("supervisions", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("reply_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_level", sa.String(length=16), nullable=True),
        sa.Column("risk_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_matter_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"], ["reception.id"], name=op.f("fk_matter_reception_id_reception")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter")),
    )
    op.create_index(op.f("ix_matter_officer_id"), "matter", ["officer_id"], unique=False)
    op.create_index(op.f("ix_matter_person_id"), "matter", ["person_id"], unique=False)
    op.create_index(op.f("ix_matter_registered_at"), "matter", ["registered_at"], unique=False)
    op.create_index(op.f("ix_matter_status"), "matter", ["status"], unique=False)
    op.create_table(
        "matter_extension",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("notice_document", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_matter_extension_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_extension")),
    )
    op.create_index(
        op.f("ix_matter_extension_matter_id"), "matter_extension", ["matter_id"], unique=False
    )
    op.create_table(
        "matter_pause",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_seq", sa.Integer(), nullable=False),
        sa.Column("ended_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_matter_pause_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_pause")),
    )
    op.create_index(op.f("ix_matter_pause_matter_id"), "matter_pause", ["matter_id"], unique=False)
    op.create_table(
        "matter_person",
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column(
            "role",
            sa.String(length=16),
            nullable=False,
            comment="petitioner / representative / member",
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_matter_person_matter_id_matter")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_matter_person_person_id_person")
        ),
        sa.PrimaryKeyConstraint("matter_id", "person_id", name=op.f("pk_matter_person")),
    )
    op.create_index(
        op.f("ix_matter_person_person_id"), "matter_person", ["person_id"], unique=False
    )
    op.create_table(
        "matter_transition",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), nullable=False, comment="when the step was taken"
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "documents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="document ids / hashes",
        ),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_matter_transition_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_transition")),
        sa.UniqueConstraint("matter_id", "seq", name="uq_matter_transition_seq"),
    )
    op.create_index(
        op.f("ix_matter_transition_matter_id"), "matter_transition", ["matter_id"], unique=False
    )
    op.create_table(
        "matter_visit",
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("reception_id", sa.String(length=36), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_matter_visit_matter_id_matter")
        ),
        sa.ForeignKeyConstraint(
            ["reception_id"], ["reception.id"], name=op.f("fk_matter_visit_reception_id_reception")
        ),
        sa.PrimaryKeyConstraint("matter_id", "reception_id", name=op.f("pk_matter_visit")),
    )
    op.create_index(
        op.f("ix_matter_visit_reception_id"), "matter_visit", ["reception_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_matter_visit_reception_id"), table_name="matter_visit")
    op.drop_table("matter_visit")
    op.drop_index(op.f("ix_matter_transition_matter_id"), table_name="matter_transition")
    op.drop_table("matter_transition")
    op.drop_index(op.f("ix_matter_person_person_id"), table_name="matter_person")
    op.drop_table("matter_person")
    op.drop_index(op.f("ix_matter_pause_matter_id"), table_name="matter_pause")
    op.drop_table("matter_pause")
    op.drop_index(op.f("ix_matter_extension_matter_id"), table_name="matter_extension")
    op.drop_table("matter_extension")
    op.drop_index(op.f("ix_matter_status"), table_name="matter")
    op.drop_index(op.f("ix_matter_registered_at"), table_name="matter")
    op.drop_index(op.f("ix_matter_person_id"), table_name="matter")
    op.drop_index(op.f("ix_matter_officer_id"), table_name="matter")
    op.drop_table("matter")
