"""accounts, sessions, alerts, merges, supervision, reviews; person search columns;
audit_log made append-only; indexes for search, dossier and KPIs

Revision ID: 0005_accounts
Revises: 0004_merge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_accounts"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)

PG_AUDIT_GUARD = """
CREATE OR REPLACE FUNCTION zf_audit_log_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def _audit_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_AUDIT_GUARD)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION zf_audit_log_append_only()"
        )
    else:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{what.lower()} BEFORE {what} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {what} refused'); END"
            )


def _backfill_pinyin() -> None:
    from pypinyin import Style, lazy_pinyin

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name FROM person")).all()
    for pid, name in rows:
        key = "".join(lazy_pinyin(name.replace(" ", "").replace("·", ""), style=Style.NORMAL))
        conn.execute(
            sa.text("UPDATE person SET name_pinyin = :k WHERE id = :i"),
            {"k": key.lower()[:400], "i": pid},
        )


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "username",
            sa.String(64),
            nullable=False,
            comment="login name; also the officer_id boxes send",
        ),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column(
            "role", sa.String(16), nullable=False, comment="officer / leader / admin / auditor"
        ),
        sa.Column(
            "org",
            sa.String(64),
            nullable=False,
            comment="organisation scope: the site code; '*' for all",
        ),
        sa.Column("password_hash", sa.String(200), nullable=False, comment="argon2id"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False, comment="leader on duty"),
        sa.Column(
            "leader",
            sa.String(64),
            nullable=True,
            comment="username of the officer's leader (alert escalation)",
        ),
        sa.Column(
            "device",
            sa.String(64),
            nullable=True,
            comment="the officer's desk box, for alerts sent over MQTT",
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("username", name=op.f("uq_account_username")),
    )
    op.create_index(op.f("ix_account_org"), "account", ["org"])
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "csrf", sa.String(64), nullable=False, comment="synchronizer token of this session"
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_web_session_account_id_account")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_account_id"), "web_session", ["account_id"])
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"])
    op.create_table(
        "alert",
        sa.Column("id", BigId, nullable=False),
        sa.Column("key", sa.String(300), nullable=False, comment="dedupe: sent once"),
        sa.Column(
            "kind",
            sa.String(24),
            nullable=False,
            comment="due_soon/overdue/record_problem/high_risk",
        ),
        sa.Column("level", sa.String(16), nullable=False, comment="info / warning / danger"),
        sa.Column("recipient", sa.String(64), nullable=False, comment="account username"),
        sa.Column("recipient_role", sa.String(16), nullable=False, comment="officer / leader"),
        sa.Column("matter_id", sa.String(36), nullable=True),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True, comment="MQTT command queued"),
        sa.Column("send_error", sa.String(300), nullable=True),
        sa.Column("read_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("key", name=op.f("uq_alert_key")),
    )
    op.create_index(op.f("ix_alert_recipient"), "alert", ["recipient"])
    op.create_index(op.f("ix_alert_matter_id"), "alert", ["matter_id"])
    op.create_index(op.f("ix_alert_reception_id"), "alert", ["reception_id"])
    op.create_index(op.f("ix_alert_created_at"), "alert", ["created_at"])
    with op.batch_alter_table("person") as b:
        b.add_column(
            sa.Column(
                "name_pinyin",
                sa.String(400),
                nullable=True,
                comment="toneless pinyin of the name, for search",
            )
        )
        b.add_column(
            sa.Column(
                "merged_into",
                sa.String(36),
                nullable=True,
                comment="set when merged into another person (reversible)",
            )
        )
    op.create_index(op.f("ix_person_name_pinyin"), "person", ["name_pinyin"])
    op.create_index(op.f("ix_person_merged_into"), "person", ["merged_into"])
    op.create_index("ix_person_name_search", "person", ["name"])
    op.create_index("ix_reception_person_started", "reception", ["person_id", "started_at"])
    op.create_index("ix_reception_kind_started", "reception", ["kind", "started_at"])
    op.create_table(
        "person_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.String(36), nullable=False),
        sa.Column("merged_id", sa.String(36), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("moved", JSON, nullable=False, comment="rows moved, for undo"),
        sa.Column("undone_at", TS, nullable=True),
        sa.Column("undone_by", sa.String(200), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["person.id"], name=op.f("fk_person_merge_survivor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["person.id"], name=op.f("fk_person_merge_merged_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge")),
    )
    op.create_index(op.f("ix_person_merge_survivor_id"), "person_merge", ["survivor_id"])
    op.create_index(op.f("ix_person_merge_merged_id"), "person_merge", ["merged_id"])
    op.create_table(
        "supervision",
        sa.Column("id", BigId, nullable=False),
        sa.Column("reception_id", sa.String(36), nullable=True),
        sa.Column("matter_id", sa.String(36), nullable=True),
        sa.Column("leader", sa.String(200), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reception_id"], ["reception.id"], name=op.f("fk_supervision_reception_id_reception")
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_supervision_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision")),
    )
    op.create_index(op.f("ix_supervision_reception_id"), "supervision", ["reception_id"])
    op.create_index(op.f("ix_supervision_matter_id"), "supervision", ["matter_id"])
    op.create_table(
        "leader_review",
        sa.Column("id", BigId, nullable=False),
        sa.Column("reception_id", sa.String(36), nullable=False),
        sa.Column("leader", sa.String(200), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("findings", sa.Text(), nullable=False, comment="what the leader found"),
        sa.Column("accountability", sa.Text(), nullable=False, comment="问责 notes"),
        sa.ForeignKeyConstraint(
            ["reception_id"], ["reception.id"], name=op.f("fk_leader_review_reception_id_reception")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_review")),
        sa.UniqueConstraint("reception_id", name=op.f("uq_leader_review_reception_id")),
    )
    _backfill_pinyin()
    _audit_guard()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS zf_audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for t in ("leader_review", "supervision", "person_merge", "alert", "web_session", "account"):
        op.drop_table(t)
    op.drop_index("ix_reception_kind_started", table_name="reception")
    op.drop_index("ix_reception_person_started", table_name="reception")
    op.drop_index("ix_person_name_search", table_name="person")
    op.drop_index(op.f("ix_person_merged_into"), table_name="person")
    op.drop_index(op.f("ix_person_name_pinyin"), table_name="person")
    with op.batch_alter_table("person") as b:
        b.drop_column("merged_into")
        b.drop_column("name_pinyin")
