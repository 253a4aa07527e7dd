"""ignored_status_seen: an ignored status is counted once, however many ingest workers
receive it.

Revision ID: 0021_ignored_status_seen
Revises: 0020_documents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_ignored_status_seen"
down_revision = "0020_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ignored_status_seen",
        sa.Column("day", sa.String(length=10), nullable=False, comment="YYYY-MM-DD, UTC"),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="of the payload"),
        sa.PrimaryKeyConstraint("day", "sha256", name=op.f("pk_ignored_status_seen")),
    )


def downgrade() -> None:
    op.drop_table("ignored_status_seen")
