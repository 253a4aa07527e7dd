"""awareness: matter tags, alerts, reports; dashboard indexes

Revision ID: 0008_awareness
Revises: 0004_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_awareness"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "awareness_matter_tag",
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("organ", sa.String(length=200), nullable=True),
        sa.Column("tagged_by", sa.String(length=200), nullable=False),
        sa.Column("tagged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_awareness_matter_tag_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("matter_id", name=op.f("pk_awareness_matter_tag")),
    )
    op.create_index(op.f("ix_awareness_matter_tag_category"), "awareness_matter_tag", ["category"])
    op.create_index(op.f("ix_awareness_matter_tag_organ"), "awareness_matter_tag", ["organ"])
    op.create_table(
        "awareness_alert",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False, comment="dedupe key"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "subject",
            sa.String(length=200),
            nullable=False,
            comment="township, category or matter id",
        ),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "link",
            sa.String(length=500),
            nullable=False,
            comment="console URL of the data behind it",
        ),
        sa.Column("numbers", JSON, nullable=False),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("raised_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awareness_alert")),
        sa.UniqueConstraint("key", name=op.f("uq_awareness_alert_key")),
    )
    op.create_index(op.f("ix_awareness_alert_kind"), "awareness_alert", ["kind"])
    op.create_index(op.f("ix_awareness_alert_raised_at"), "awareness_alert", ["raised_at"])
    op.create_table(
        "awareness_report",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False, comment="YYYY-MM"),
        sa.Column(
            "trigger", sa.String(length=16), nullable=False, comment="manual / schedule / cli"
        ),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("pdf_path", sa.String(length=500), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx_path", sa.String(length=500), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awareness_report")),
    )
    op.create_index(op.f("ix_awareness_report_month"), "awareness_report", ["month"])
    op.create_index("ix_awareness_person_township", "person", ["township", "id"])
    op.create_index("ix_awareness_person_id_township", "person", ["id", "township"])
    op.create_index(
        "ix_awareness_reception_cover",
        "reception",
        ["started_at", "person_id", "rating", "officer_id", "kind", "visitors", "id"],
    )
    op.create_index("ix_awareness_matter_reception_id", "matter", ["reception_id", "id"])
    op.create_index(
        "ix_awareness_tag_cover", "awareness_matter_tag", ["matter_id", "category", "organ"]
    )
    op.create_index(
        "ix_awareness_transition_action", "matter_transition", ["matter_id", "action", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_awareness_transition_action", table_name="matter_transition")
    op.drop_index("ix_awareness_tag_cover", table_name="awareness_matter_tag")
    op.drop_index("ix_awareness_matter_reception_id", table_name="matter")
    op.drop_index("ix_awareness_reception_cover", table_name="reception")
    op.drop_index("ix_awareness_person_id_township", table_name="person")
    op.drop_index("ix_awareness_person_township", table_name="person")
    op.drop_table("awareness_report")
    op.drop_table("awareness_alert")
    op.drop_table("awareness_matter_tag")
