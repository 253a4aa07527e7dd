"""legal references, hearings and draws, organ data sharing, coordinated handling plans

Revision ID: 0007_legal_hearings
Revises: 0004_merge

Besides the tables: the legal full-text index. SQLite gets an external-content FTS5
table with the trigram tokenizer, kept in step by triggers; PostgreSQL gets pg_trgm
(created if missing, in pg_catalog so every schema's search_path sees it) and a GIN
trigram index on the article body. Neither is expressible as a SQLAlchemy model.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_legal_hearings"
down_revision = "0004_merge"
branch_labels = None
depends_on = None

FTS_SQLITE = (
    "CREATE VIRTUAL TABLE legal_article_fts USING fts5("
    "body, content='legal_article', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER legal_article_ai AFTER INSERT ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER legal_article_ad AFTER DELETE ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(legal_article_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER legal_article_au AFTER UPDATE OF body ON legal_article BEGIN "
    "INSERT INTO legal_article_fts(legal_article_fts, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    "INSERT INTO legal_article_fts(rowid, body) VALUES (new.id, new.body); END",
)


def _trgm_schema() -> str:
    bind = op.get_bind()
    found = bind.exec_driver_sql(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    ).scalar()
    if found is None:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA pg_catalog")
        return "pg_catalog"
    return str(found)


def upgrade() -> None:
    op.create_table(
        "hearing_person",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False, comment="see CATEGORIES"),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False, comment="phone or e-mail"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_person")),
    )
    op.create_index(
        op.f("ix_hearing_person_category"), "hearing_person", ["category"], unique=False
    )
    op.create_table(
        "legal_law",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False, comment="e.g. 信访工作条例"),
        sa.Column("source", sa.String(length=500), nullable=False, comment="file it came from"),
        sa.Column(
            "sha256", sa.String(length=64), nullable=False, comment="hash of the imported text"
        ),
        sa.Column("articles", sa.Integer(), nullable=False, comment="number of articles"),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_law")),
        sa.UniqueConstraint("name", name=op.f("uq_legal_law_name")),
    )
    op.create_table(
        "organ",
        sa.Column("id", sa.String(length=64), nullable=False, comment="slug, e.g. police-minhou"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind", sa.String(length=32), nullable=False, comment="police / xfj / township / other"
        ),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="matter fields it may see",
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organ")),
    )
    op.create_table(
        "hearing_conflict",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["hearing_person.id"],
            name=op.f("fk_hearing_conflict_person_id_hearing_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_conflict")),
    )
    op.create_index(
        op.f("ix_hearing_conflict_person_id"), "hearing_conflict", ["person_id"], unique=False
    )
    op.create_index(
        op.f("ix_hearing_conflict_subject"), "hearing_conflict", ["subject"], unique=False
    )
    op.create_table(
        "legal_article",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("law_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ord", sa.Integer(), nullable=False, comment="position in the law, from 0"),
        sa.Column("number", sa.Integer(), nullable=False, comment="article number (第十二条 → 12)"),
        sa.Column(
            "label",
            sa.String(length=40),
            nullable=False,
            comment="as written: 第十二条 / 第十二条之一",
        ),
        sa.Column("part", sa.String(length=200), nullable=False, comment="编"),
        sa.Column("chapter", sa.String(length=200), nullable=False, comment="章"),
        sa.Column("section", sa.String(length=200), nullable=False, comment="节"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["law_id"],
            ["legal_law.id"],
            name=op.f("fk_legal_article_law_id_legal_law"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_article")),
        sa.UniqueConstraint("law_id", "ord", name="uq_legal_article_ord"),
    )
    op.create_index(op.f("ix_legal_article_law_id"), "legal_article", ["law_id"], unique=False)
    op.create_table(
        "organ_token",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["organ.id"], name=op.f("fk_organ_token_organ_id_organ")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organ_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_organ_token_token_sha256")),
    )
    op.create_index(op.f("ix_organ_token_organ_id"), "organ_token", ["organ_id"], unique=False)
    op.create_table(
        "handling_plan",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="draft / sent / done"),
        sa.Column(
            "basis",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="rules fired, similar matters",
        ),
        sa.Column("version", sa.Integer(), nullable=False, comment="bumped on each edit"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_handling_plan_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handling_plan")),
    )
    op.create_index(
        op.f("ix_handling_plan_matter_id"), "handling_plan", ["matter_id"], unique=False
    )
    op.create_table(
        "hearing",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False, comment="in_person / online"),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("meeting_url", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="scheduled / held / cancelled"
        ),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.Text(), nullable=False, comment="听证记录"),
        sa.Column("outcome", sa.Text(), nullable=False, comment="听证结论"),
        sa.Column("petitioner_accepts", sa.Boolean(), nullable=True, comment="信访人是否接受"),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_hearing_matter_id_matter")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing")),
    )
    op.create_index(op.f("ix_hearing_matter_id"), "hearing", ["matter_id"], unique=False)
    op.create_index(op.f("ix_hearing_starts_at"), "hearing", ["starts_at"], unique=False)
    op.create_table(
        "organ_contribution",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="info / warning"),
        sa.Column("level", sa.String(length=16), nullable=True, comment="warning: low/medium/high"),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_organ_contribution_matter_id_matter")
        ),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["organ.id"], name=op.f("fk_organ_contribution_organ_id_organ")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organ_contribution")),
    )
    op.create_index(
        op.f("ix_organ_contribution_created_at"), "organ_contribution", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_organ_contribution_matter_id"), "organ_contribution", ["matter_id"], unique=False
    )
    op.create_index(
        op.f("ix_organ_contribution_organ_id"), "organ_contribution", ["organ_id"], unique=False
    )
    op.create_table(
        "organ_matter_share",
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=False),
        sa.Column("shared_by", sa.String(length=200), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matter.id"], name=op.f("fk_organ_matter_share_matter_id_matter")
        ),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["organ.id"], name=op.f("fk_organ_matter_share_organ_id_organ")
        ),
        sa.PrimaryKeyConstraint("matter_id", "organ_id", name=op.f("pk_organ_matter_share")),
    )
    op.create_index(
        op.f("ix_organ_matter_share_organ_id"), "organ_matter_share", ["organ_id"], unique=False
    )
    op.create_table(
        "handling_plan_task",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("organ_id", sa.String(length=64), nullable=True),
        sa.Column(
            "organ_kind",
            sa.String(length=32),
            nullable=False,
            comment="police / xfj / township / ...",
        ),
        sa.Column("assignee", sa.String(length=200), nullable=False, comment="person or role"),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="open / in_progress / done"
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["organ.id"], name=op.f("fk_handling_plan_task_organ_id_organ")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["handling_plan.id"],
            name=op.f("fk_handling_plan_task_plan_id_handling_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handling_plan_task")),
    )
    op.create_index(
        op.f("ix_handling_plan_task_organ_id"), "handling_plan_task", ["organ_id"], unique=False
    )
    op.create_index(
        op.f("ix_handling_plan_task_plan_id"), "handling_plan_task", ["plan_id"], unique=False
    )
    op.create_table(
        "hearing_draw",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("hearing_id", sa.String(length=36), nullable=False),
        sa.Column(
            "commitment",
            sa.String(length=64),
            nullable=False,
            comment="sha256 of the commit record",
        ),
        sa.Column(
            "commit_record",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "leaf_index",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="evidence log leaf",
        ),
        sa.Column("seed", sa.String(length=128), nullable=True, comment="revealed seed (hex)"),
        sa.Column("beacon_value", sa.String(length=256), nullable=True),
        sa.Column(
            "selected",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False, comment="committed / revealed"),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["hearing_id"], ["hearing.id"], name=op.f("fk_hearing_draw_hearing_id_hearing")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_draw")),
    )
    op.create_index(
        op.f("ix_hearing_draw_hearing_id"), "hearing_draw", ["hearing_id"], unique=False
    )
    op.create_table(
        "hearing_participant",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hearing_id", sa.String(length=36), nullable=False),
        sa.Column(
            "role",
            sa.String(length=24),
            nullable=False,
            comment="officer / petitioner / organ / other",
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("registry_id", sa.String(length=36), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hearing_id"], ["hearing.id"], name=op.f("fk_hearing_participant_hearing_id_hearing")
        ),
        sa.ForeignKeyConstraint(
            ["registry_id"],
            ["hearing_person.id"],
            name=op.f("fk_hearing_participant_registry_id_hearing_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearing_participant")),
    )
    op.create_index(
        op.f("ix_hearing_participant_hearing_id"),
        "hearing_participant",
        ["hearing_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_hearing_participant_registry_id"),
        "hearing_participant",
        ["registry_id"],
        unique=False,
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for stmt in FTS_SQLITE:
            op.execute(stmt)
        # the model declares the PostgreSQL trigram index; SQLite searches FTS5 instead and
        # gets an empty partial index of that name, so schema and models stay alike
        op.execute("CREATE INDEX ix_legal_article_body_trgm ON legal_article (body) WHERE 0")
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_legal_article_body_trgm ON legal_article "
            f"USING gin (body {_trgm_schema()}.gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("legal_article_ai", "legal_article_ad", "legal_article_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP INDEX IF EXISTS ix_legal_article_body_trgm")
        op.execute("DROP TABLE IF EXISTS legal_article_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_legal_article_body_trgm")
    op.drop_index(op.f("ix_hearing_participant_registry_id"), table_name="hearing_participant")
    op.drop_index(op.f("ix_hearing_participant_hearing_id"), table_name="hearing_participant")
    op.drop_table("hearing_participant")
    op.drop_index(op.f("ix_hearing_draw_hearing_id"), table_name="hearing_draw")
    op.drop_table("hearing_draw")
    op.drop_index(op.f("ix_handling_plan_task_plan_id"), table_name="handling_plan_task")
    op.drop_index(op.f("ix_handling_plan_task_organ_id"), table_name="handling_plan_task")
    op.drop_table("handling_plan_task")
    op.drop_index(op.f("ix_organ_matter_share_organ_id"), table_name="organ_matter_share")
    op.drop_table("organ_matter_share")
    op.drop_index(op.f("ix_organ_contribution_organ_id"), table_name="organ_contribution")
    op.drop_index(op.f("ix_organ_contribution_matter_id"), table_name="organ_contribution")
    op.drop_index(op.f("ix_organ_contribution_created_at"), table_name="organ_contribution")
    op.drop_table("organ_contribution")
    op.drop_index(op.f("ix_hearing_starts_at"), table_name="hearing")
    op.drop_index(op.f("ix_hearing_matter_id"), table_name="hearing")
    op.drop_table("hearing")
    op.drop_index(op.f("ix_handling_plan_matter_id"), table_name="handling_plan")
    op.drop_table("handling_plan")
    op.drop_index(op.f("ix_organ_token_organ_id"), table_name="organ_token")
    op.drop_table("organ_token")
    op.drop_index(op.f("ix_legal_article_law_id"), table_name="legal_article")
    op.drop_table("legal_article")
    op.drop_index(op.f("ix_hearing_conflict_subject"), table_name="hearing_conflict")
    op.drop_index(op.f("ix_hearing_conflict_person_id"), table_name="hearing_conflict")
    op.drop_table("hearing_conflict")
    op.drop_table("organ")
    op.drop_table("legal_law")
    op.drop_index(op.f("ix_hearing_person_category"), table_name="hearing_person")
    op.drop_table("hearing_person")
