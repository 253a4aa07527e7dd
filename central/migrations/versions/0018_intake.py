"""intake: a matter's channel (渠道) and, for a transferred case, the organ and its file
number; files that came with a petition (the letter's scan), logged as evidence.
Existing matters came through desks: channel 'visit'.

Revision ID: 0018_intake
Revises: 0017_hearing_draws
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_intake"
down_revision = "0017_hearing_draws"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN: no table rebuild on SQLite; the default fills existing rows
    op.add_column(
        "matter",
        sa.Column(
            "channel", sa.String(length=16), nullable=False, server_default="visit",
            comment="渠道: visit/letter/phone/online/transfer",
        ),
    )  # fmt: skip
    op.add_column(
        "matter",
        sa.Column(
            "source_organ", sa.String(length=200), nullable=True,
            comment="转来: the organ that transferred it",
        ),
    )  # fmt: skip
    op.add_column(
        "matter",
        sa.Column(
            "source_ref", sa.String(length=120), nullable=True,
            comment="转来: its file number; 网上/电话: the 12309 record number",
        ),
    )  # fmt: skip
    op.create_table(
        "matter_attachment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False,
                  comment="letter_scan / transfer_file"),
        sa.Column("filename", sa.String(length=200), nullable=False,
                  comment="as uploaded (shown, never a path)"),
        sa.Column("media_type", sa.String(length=64), nullable=False,
                  comment="from the file's own bytes"),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False,
                  comment="its leaf in the evidence log"),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["matter_id"], ["matter.id"],
                                name=op.f("fk_matter_attachment_matter_id_matter")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_attachment")),
    )  # fmt: skip
    op.create_index(op.f("ix_matter_attachment_matter_id"), "matter_attachment", ["matter_id"])
    op.create_index(op.f("ix_matter_attachment_sha256"), "matter_attachment", ["sha256"])
    op.create_index("ix_matter_channel_registered", "matter", ["channel", "registered_at"])


def downgrade() -> None:
    op.drop_index("ix_matter_channel_registered", table_name="matter")
    op.drop_index(op.f("ix_matter_attachment_sha256"), table_name="matter_attachment")
    op.drop_index(op.f("ix_matter_attachment_matter_id"), table_name="matter_attachment")
    op.drop_table("matter_attachment")
    for column in ("source_ref", "source_organ", "channel"):
        op.drop_column("matter", column)  # SQLite ≥ 3.35: no table rebuild
