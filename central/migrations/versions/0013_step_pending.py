"""workflow: box steps that arrived before the steps they follow

Revision ID: 0013_step_pending
Revises: 0011_awareness_facts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013_step_pending"
down_revision = "0011_awareness_facts"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "matter_step_pending",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("matter_ref", sa.String(length=36), nullable=False),
        sa.Column("reception_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("step_at", TS, nullable=False, comment="when the step was taken"),
        sa.Column("body", JSON, nullable=False, comment="the workflow.step body"),
        sa.Column("reason", sa.Text(), nullable=False, comment="why it could not be applied yet"),
        sa.Column("parked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_step_pending")),
    )
    op.create_index(
        op.f("ix_matter_step_pending_matter_ref"), "matter_step_pending", ["matter_ref"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_matter_step_pending_matter_ref"), table_name="matter_step_pending")
    op.drop_table("matter_step_pending")
