"""sharing rate limit: per-token counters, organ/token limits; alert links (early warnings)

Revision ID: 0010_sharing_rate
Revises: 0007_legal_hearings, 0005_accounts

Also a merge of 0005: the ``alert`` table it alters is 0005's, on another branch from
0004_merge. (``depends_on`` would order them too, but leaves 0005 a head in the script
that is no longer one in the database.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_sharing_rate"
down_revision = ("0007_legal_hearings", "0005_accounts")
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
KIND_BEFORE = "due_soon/overdue/record_problem/high_risk"
KIND_AFTER = "due_soon/overdue/record_problem/high_risk/early_warning"
LIMITS = {
    "organ": (
        ("rate_per_minute", "its tokens' limit; else settings"),
        ("rate_per_day", "its tokens' limit; else settings"),
    ),
    "organ_token": (
        ("rate_per_minute", "else the organ's, else settings"),
        ("rate_per_day", "else the organ's, else settings"),
    ),
}


def upgrade() -> None:
    op.create_table(
        "organ_rate_count",
        sa.Column("token_id", sa.String(16), nullable=False),
        sa.Column(
            "bucket", sa.String(24), nullable=False, comment="m:<minute> or d:<day>, in UTC+8"
        ),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", TS, nullable=False, comment="window end"),
        sa.PrimaryKeyConstraint("token_id", "bucket", name=op.f("pk_organ_rate_count")),
    )
    op.create_index(
        op.f("ix_organ_rate_count_expires_at"), "organ_rate_count", ["expires_at"], unique=False
    )
    for table, columns in LIMITS.items():
        for name, comment in columns:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=True, comment=comment))
    op.add_column(
        "alert",
        sa.Column(
            "link",
            sa.String(500),
            nullable=True,
            comment="console URL to open; else the matter's or the supervision page",
        ),
    )
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps no comments
        op.alter_column(
            "alert",
            "kind",
            existing_type=sa.String(24),
            existing_nullable=False,
            existing_comment=KIND_BEFORE,
            comment=KIND_AFTER,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "alert",
            "kind",
            existing_type=sa.String(24),
            existing_nullable=False,
            existing_comment=KIND_AFTER,
            comment=KIND_BEFORE,
        )
    with op.batch_alter_table("alert") as b:
        b.drop_column("link")
    for table, columns in LIMITS.items():
        with op.batch_alter_table(table) as b:
            for name, _ in columns:
                b.drop_column(name)
    op.drop_index(op.f("ix_organ_rate_count_expires_at"), table_name="organ_rate_count")
    op.drop_table("organ_rate_count")
