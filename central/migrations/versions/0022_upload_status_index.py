"""evidence_uploads (status, created_at): the alert scan looks every minute for segments
parked too long, and the table keeps every upload.

Revision ID: 0022_upload_status_index
Revises: 0021_ignored_status_seen
"""

from __future__ import annotations

from alembic import op

revision = "0022_upload_status_index"
down_revision = "0021_ignored_status_seen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_evidence_uploads_status_created", "evidence_uploads", ["status", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_uploads_status_created", table_name="evidence_uploads")
