"""documents: papers issued to petitioners (the PDF kept by its hash, logged as
evidence) and each site's own wording of them.

Revision ID: 0020_documents
Revises: 0019_import
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_documents"
down_revision = "0019_import"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_document",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=True,
                  comment="the petitioner it was addressed to"),
        sa.Column("site", sa.String(length=63), nullable=True, comment="the matter's site"),
        sa.Column("kind", sa.String(length=24), nullable=False,
                  comment="receipt / accept_notice / ..."),
        sa.Column("title", sa.String(length=40), nullable=False,
                  comment="as printed, e.g. 来信收到回执"),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="of the PDF"),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("template_sha256", sa.String(length=64), nullable=False,
                  comment="of the template used"),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False,
                  comment="its leaf in the evidence log"),
        sa.Column("issued_by", sa.String(length=200), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["matter_id"], ["matter.id"],
                                name=op.f("fk_issued_document_matter_id_matter")),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_issued_document_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
    )  # fmt: skip
    op.create_index(op.f("ix_issued_document_matter_id"), "issued_document", ["matter_id"])
    op.create_index(op.f("ix_issued_document_sha256"), "issued_document", ["sha256"])
    op.create_index("ix_issued_document_person", "issued_document", ["person_id", "issued_at"])
    op.create_table(
        "document_template",
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False, comment="or 'header'"),
        sa.Column("body", sa.Text(), nullable=False, comment="paragraphs with {placeholders}"),
        sa.Column("basis", sa.Text(), nullable=False, comment="法律依据 as printed"),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "kind", name=op.f("pk_document_template")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("document_template")
    op.drop_index("ix_issued_document_person", table_name="issued_document")
    op.drop_index(op.f("ix_issued_document_sha256"), table_name="issued_document")
    op.drop_index(op.f("ix_issued_document_matter_id"), table_name="issued_document")
    op.drop_table("issued_document")
