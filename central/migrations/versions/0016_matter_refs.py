"""workflow: a matter's site, its 文号 (site format, a sequence per site and year) and
its 查询码; existing matters are numbered in the order they were registered

Revision ID: 0016_matter_refs
Revises: 0014_access, 0014_box_bound, 0015_desk_reception
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0016_matter_refs"
down_revision = ("0014_access", "0014_box_bound", "0015_desk_reception")  # merges the heads
branch_labels = None
depends_on = None

LOCAL = ZoneInfo("Asia/Shanghai")
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def upgrade() -> None:
    # plain ADD COLUMN and indexes: SQLite would otherwise rebuild the table, and the
    # awareness triggers that name it would break
    op.add_column(
        "matter",
        sa.Column(
            "site", sa.String(length=63), nullable=True,
            comment="the site that registered it (its desk's, or its officer's)",
        ),
    )  # fmt: skip
    op.add_column(
        "matter",
        sa.Column(
            "ref_no", sa.String(length=80), nullable=True,
            comment="文号, e.g. 闽侯检信〔2026〕123号 (site format)",
        ),
    )  # fmt: skip
    op.add_column(
        "matter",
        sa.Column(
            "query_code", sa.String(length=16), nullable=True,
            comment="查询码 printed on the 回执: with ref_no, opens the progress page",
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_matter_site"), "matter", ["site"])
    op.create_index(op.f("ix_matter_ref_no"), "matter", ["ref_no"], unique=True)
    op.create_table(
        "matter_ref_counter",
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site", "year", name=op.f("pk_matter_ref_counter")),
    )
    _number_existing(op.get_bind())


def _number_existing(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT m.id, m.registered_at, d.site AS desk_site, a.org AS officer_org "
            "FROM matter m "
            "LEFT JOIN reception r ON r.id = m.reception_id "
            "LEFT JOIN device d ON d.id = r.device "
            "LEFT JOIN account a ON a.username = m.officer_id "
            "ORDER BY m.registered_at, m.id"
        )
    ).all()
    last: dict[tuple[str, int], int] = {}
    for mid, at, desk_site, org in rows:
        site = desk_site or (org if org and org != "*" else None)
        if isinstance(at, str):  # SQLite hands back text
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        year = at.astimezone(LOCAL).year
        key = site or "-"
        seq = last.get((key, year), 0) + 1
        last[(key, year)] = seq
        conn.execute(
            sa.text("UPDATE matter SET site = :s, ref_no = :r, query_code = :q WHERE id = :id"),
            {
                "s": site,
                "r": f"{site or '本院'}检信〔{year}〕{seq}号",
                "id": mid,
                "q": "".join(secrets.choice(ALPHABET) for _ in range(8)),
            },
        )
    for (site, year), n in last.items():
        conn.execute(
            sa.text("INSERT INTO matter_ref_counter (site, year, last) VALUES (:s, :y, :n)"),
            {"s": site, "y": year, "n": n},
        )


def downgrade() -> None:
    op.drop_table("matter_ref_counter")
    op.drop_index(op.f("ix_matter_ref_no"), table_name="matter")
    op.drop_index(op.f("ix_matter_site"), table_name="matter")
    for column in ("query_code", "ref_no", "site"):
        op.drop_column("matter", column)  # SQLite ≥ 3.35
