"""login throttle: failed console logins counted per username and per client address

Revision ID: 0012_login_throttle
Revises: 0010_sharing_rate

On the branch that holds 0005_accounts (merged into 0010). The table has no foreign
key: unknown usernames are counted too, so a lockout reveals nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_login_throttle"
down_revision = "0010_sharing_rate"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("scope", sa.String(8), nullable=False, comment="user / ip"),
        sa.Column(
            "key",
            sa.String(64),
            nullable=False,
            comment="the username as typed, or the client address",
        ),
        sa.Column(
            "failures",
            sa.Integer(),
            nullable=False,
            comment="attempts in the window that did not succeed (or are under way)",
        ),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("last_at", TS, nullable=False, comment="last attempt"),
        sa.Column(
            "lockouts",
            sa.Integer(),
            nullable=False,
            comment="lockouts so far; each lasts twice the one before",
        ),
        sa.Column("locked_until", TS, nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_last_at"), "login_throttle", ["last_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_throttle_last_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
