"""dossier: the petitioner's address, and receptions cancelled at the desk

Revision ID: 0015_desk_reception
Revises: 0013_step_pending
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_desk_reception"
down_revision = "0013_step_pending"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("person") as t:
        t.add_column(
            sa.Column(
                "address", sa.String(length=200), nullable=True, comment="as last stated at a desk"
            )
        )
    with op.batch_alter_table("reception") as t:
        t.add_column(sa.Column("cancelled_at", TS, nullable=True, comment="cancelled at the desk"))
        t.add_column(sa.Column("cancel_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reception") as t:
        t.drop_column("cancel_reason")
        t.drop_column("cancelled_at")
    with op.batch_alter_table("person") as t:
        t.drop_column("address")
