"""access: provisioning credentials, the nonces of device-signed requests, and login
throttle keys long enough for a username at an address

Revision ID: 0014_access
Revises: 0012_login_throttle, 0013_step_pending
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_access"
down_revision = ("0012_login_throttle", "0013_step_pending")  # merges the two heads
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
KEY_BEFORE = "the username as typed, or the client address"
KEY_NOW = "the username as typed, username + U+001F + address, or the address"


def upgrade() -> None:
    op.create_table(
        "provisioning_credential",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("last_used_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_credential")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_provisioning_credential_token_sha256")),
    )
    op.create_index(op.f("ix_provisioning_credential_site"), "provisioning_credential", ["site"])
    op.create_table(
        "request_nonce",
        sa.Column("device", sa.String(length=63), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("device", "nonce", name=op.f("pk_request_nonce")),
    )
    op.create_index(op.f("ix_request_nonce_seen_at"), "request_nonce", ["seen_at"])
    with op.batch_alter_table("login_throttle") as t:
        t.alter_column(
            "key", type_=sa.String(length=160), existing_type=sa.String(length=64),
            existing_nullable=False, comment=KEY_NOW, existing_comment=KEY_BEFORE,
        )  # fmt: skip
        t.alter_column(
            "scope", existing_type=sa.String(length=8), existing_nullable=False,
            comment="user / pair / ip", existing_comment="user / ip",
        )  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM login_throttle WHERE scope = 'pair'")
    with op.batch_alter_table("login_throttle") as t:
        t.alter_column(
            "key", type_=sa.String(length=64), existing_type=sa.String(length=160),
            existing_nullable=False, comment=KEY_BEFORE, existing_comment=KEY_NOW,
        )  # fmt: skip
        t.alter_column(
            "scope", existing_type=sa.String(length=8), existing_nullable=False,
            comment="user / ip", existing_comment="user / pair / ip",
        )  # fmt: skip
    op.drop_index(op.f("ix_request_nonce_seen_at"), table_name="request_nonce")
    op.drop_table("request_nonce")
    op.drop_index(op.f("ix_provisioning_credential_site"), table_name="provisioning_credential")
    op.drop_table("provisioning_credential")
