"""hearings: a draw's beacon signature, who held its seed, and its abandonment (who,
when, why); one open
commitment per hearing (a partial unique index). Hearings that already hold several
open commitments keep only their newest (none, once a draw is revealed): the others
are marked abandoned, by this migration, with that reason, so every published record
lists them.

Revision ID: 0017_hearing_draws
Revises: 0016_matter_refs
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017_hearing_draws"
down_revision = "0016_matter_refs"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'committed'")
BY = "迁移 0017"
WHY = "同一听证只能有一个未公布的承诺：升级时保留最新的一个{}，其余视为放弃"


def upgrade() -> None:
    # plain ADD COLUMN: no table rebuild on SQLite
    op.add_column(
        "hearing_draw",
        sa.Column(
            "beacon_signature", sa.String(length=192), nullable=True,
            comment="the beacon round's signature (hex), checked at the reveal",
        ),
    )  # fmt: skip
    op.add_column(
        "hearing_draw",
        sa.Column(
            "seed_by", sa.String(length=16), nullable=True,
            comment="who held the seed: central / holder (someone else); none: no seed",
        ),
    )  # fmt: skip
    # an open commitment with its seed stored is one central holds; once revealed, who
    # held the seed of a draw made before this migration is not known
    op.execute(
        "UPDATE hearing_draw SET seed_by = 'central' "
        "WHERE status = 'committed' AND seed IS NOT NULL"
    )
    op.add_column("hearing_draw", sa.Column("abandoned_at", sa.DateTime(timezone=True)))
    op.add_column(
        "hearing_draw",
        sa.Column("abandoned_by", sa.String(length=200), nullable=True, comment="who abandoned it"),
    )
    op.add_column(
        "hearing_draw",
        sa.Column("abandon_reason", sa.String(length=500), nullable=True, comment="why"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # SQLite keeps no comments
        op.alter_column(
            "hearing_draw", "status", existing_type=sa.String(length=16),
            existing_nullable=False, existing_comment="committed / revealed",
            comment="committed / revealed / abandoned",
        )  # fmt: skip
    _abandon_extra_commitments(bind)
    op.create_index(
        "uq_hearing_draw_open", "hearing_draw", ["hearing_id"], unique=True,
        sqlite_where=OPEN, postgresql_where=OPEN,
    )  # fmt: skip


def _abandon_extra_commitments(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text("SELECT id, hearing_id, status, committed_at FROM hearing_draw ORDER BY id")
    ).all()
    by_hearing: dict[str, list[Any]] = {}
    for row in rows:
        by_hearing.setdefault(row.hearing_id, []).append(row)
    now = datetime.now(UTC)
    at: datetime = now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now
    stmt = sa.text(
        "UPDATE hearing_draw SET status = 'abandoned', abandoned_at = :at, "
        "abandoned_by = :by, abandon_reason = :why WHERE id = :id"
    ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True)))
    for draws in by_hearing.values():
        revealed = any(d.status == "revealed" for d in draws)
        open_ = sorted(
            (d for d in draws if d.status == "committed"), key=lambda d: str(d.committed_at)
        )
        extra = open_ if revealed else open_[:-1]
        why = WHY.format("（本听证已公布结果，故一个也不保留）" if revealed else "")
        for d in extra:
            conn.execute(stmt, {"at": at, "by": BY, "why": why, "id": d.id})


def downgrade() -> None:
    op.drop_index("uq_hearing_draw_open", table_name="hearing_draw")
    # the abandoned draws become open commitments again, as they were before
    op.execute("UPDATE hearing_draw SET status = 'committed' WHERE status = 'abandoned'")
    for column in ("abandon_reason", "abandoned_by", "abandoned_at", "seed_by",
                   "beacon_signature"):  # fmt: skip
        op.drop_column("hearing_draw", column)  # SQLite ≥ 3.35
