"""Merge the evidence and workflow branches into one head.

Revision ID: 0004_merge
Revises: 0002_evidence, 0003_workflow
"""

from __future__ import annotations

revision = "0004_merge"
down_revision = ("0002_evidence", "0003_workflow")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
