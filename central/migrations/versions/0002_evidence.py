"""evidence: log leaves, tree nodes, checkpoints, blobs, uploads

Revision ID: 0002_evidence
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_evidence"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evidence_log_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_log_state")),
    )
    op.create_table(
        "evidence_leaves",
        sa.Column("leaf_index", BigId, autoincrement=False, nullable=False),
        sa.Column("manifest_hash", sa.String(64), nullable=False, comment="sha256 hex"),
        sa.Column("data", sa.LargeBinary(), nullable=False, comment="canonical signed manifest"),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("seg_index", sa.Integer(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("leaf_index", name=op.f("pk_evidence_leaves")),
        sa.UniqueConstraint("manifest_hash", name=op.f("uq_evidence_leaves_manifest_hash")),
    )
    op.create_index(
        op.f("ix_evidence_leaves_reception_id"), "evidence_leaves", ["reception_id"], unique=False
    )
    op.create_table(
        "evidence_nodes",
        sa.Column("key", BigId, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evidence_nodes")),
    )
    op.create_table(
        "evidence_checkpoints",
        sa.Column("size", BigId, autoincrement=False, nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=False, comment="C2SP signed note"),
        sa.Column("timestamp", sa.LargeBinary(), nullable=True, comment="RFC 3161 response"),
        sa.Column(
            "cosigned",
            sa.LargeBinary(),
            nullable=True,
            comment="the note with witness cosignatures added",
        ),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_evidence_checkpoints")),
    )
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    op.create_table(
        "evidence_uploads",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("device", sa.String(63), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.Column("manifest_hash", sa.String(64), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="open/done/refused"),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_uploads")),
    )
    op.create_index(
        op.f("ix_evidence_uploads_device"), "evidence_uploads", ["device"], unique=False
    )
    op.create_index(
        op.f("ix_evidence_uploads_manifest_hash"),
        "evidence_uploads",
        ["manifest_hash"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("evidence_uploads")
    op.drop_table("evidence_blobs")
    op.drop_table("evidence_checkpoints")
    op.drop_table("evidence_nodes")
    op.drop_table("evidence_leaves")
    op.drop_table("evidence_log_state")
