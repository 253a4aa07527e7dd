"""identity: biometric consent records, deletions and their per-desk commands,
relayed template transfers (opaque ciphertext)

Revision ID: 0009_identity
Revises: 0004_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_identity"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "identity_deletion",
        sa.Column("id", BigId, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("origin_device", sa.String(63), nullable=False),
        sa.Column("officer_id", sa.String(64), nullable=False),
        sa.Column("deleted_at", TS, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_deletion")),
        sa.UniqueConstraint("event_id", name=op.f("uq_identity_deletion_event_id")),
    )
    op.create_index(op.f("ix_identity_deletion_person_id"), "identity_deletion", ["person_id"])
    op.create_index(op.f("ix_identity_deletion_site"), "identity_deletion", ["site"])
    op.create_table(
        "identity_consent",
        sa.Column("consent_id", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False, comment="dossier id"),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("device", sa.String(63), nullable=False, comment="desk where it was given"),
        sa.Column("event_id", sa.String(36), nullable=False, comment="consent.recorded event"),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("officer_id", sa.String(64), nullable=False, comment="officer present"),
        sa.Column("text_version", sa.String(200), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", JSON, nullable=False, comment="face / voice / identify_1n"),
        sa.Column("given_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("withdrawn_by", BigId, nullable=True, comment="the deletion that ended it"),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"],
            ["identity_deletion.id"],
            name=op.f("fk_identity_consent_withdrawn_by_identity_deletion"),
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_identity_consent")),
    )
    op.create_index(op.f("ix_identity_consent_person_id"), "identity_consent", ["person_id"])
    op.create_index(op.f("ix_identity_consent_site"), "identity_consent", ["site"])
    op.create_table(
        "identity_deletion_cmd",
        sa.Column("cmd_id", sa.String(64), nullable=False),
        sa.Column("deletion_id", BigId, nullable=False),
        sa.Column("device", sa.String(63), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("last_sent_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("acked_at", TS, nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True, comment="last ack's verdict"),
        sa.Column("detail", sa.String(200), nullable=False, comment="last ack's detail"),
        sa.ForeignKeyConstraint(
            ["deletion_id"],
            ["identity_deletion.id"],
            name=op.f("fk_identity_deletion_cmd_deletion_id_identity_deletion"),
        ),
        sa.ForeignKeyConstraint(
            ["device"], ["device.id"], name=op.f("fk_identity_deletion_cmd_device_device")
        ),
        sa.PrimaryKeyConstraint("cmd_id", name=op.f("pk_identity_deletion_cmd")),
    )
    for col in ("deletion_id", "device", "acked_at"):
        op.create_index(op.f(f"ix_identity_deletion_cmd_{col}"), "identity_deletion_cmd", [col])
    op.create_table(
        "identity_transfer",
        sa.Column("id", BigId, nullable=False),
        sa.Column("site", sa.String(63), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("origin_device", sa.String(63), nullable=False),
        sa.Column("made_at", TS, nullable=False),
        sa.Column("consents_given_at", TS, nullable=False),
        sa.Column("nonce", sa.String(24), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False, comment="AES-GCM, site key"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_transfer")),
    )
    op.create_index(op.f("ix_identity_transfer_site"), "identity_transfer", ["site"])
    op.create_index(op.f("ix_identity_transfer_person_id"), "identity_transfer", ["person_id"])


def downgrade() -> None:
    op.drop_table("identity_transfer")
    op.drop_table("identity_deletion_cmd")
    op.drop_table("identity_consent")
    op.drop_table("identity_deletion")
