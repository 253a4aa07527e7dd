"""awareness: reception facts and matter times, kept by triggers

Revision ID: 0011_awareness_facts
Revises: 0008_awareness

The dashboard's year-long queries joined 300,000+ receptions to person, matter and tag
on every chart (1.1–1.7 s at 1,000,000 receptions). ``awareness_reception_fact`` holds
each reception with its township and categories already joined (one row per distinct
category of the matters registered at it; ``weight`` is 1 on exactly one row per
reception), and ``awareness_matter_time`` each matter's first decision, reply and
archive times. Database triggers keep both in step with every write, whichever code
path makes it, so they are never stale; the upgrade fills them from the data present.
The trigger SQL is frozen here, as migrations are; ``central/awareness/facts.py``
holds the same fill statements for ``zhifang awareness rebuild-facts`` and the tests.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_awareness_facts"
down_revision = "0008_awareness"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FACT_COLS = (
    "reception_id, category, weight, started_at, township, person_id, officer_id, kind, rating, "
    "visitors"
)


def _fill(rids: str | None) -> str:
    """Insert the facts of the receptions whose ids ``rids`` selects (None: all).

    The filter goes inside the category subquery too: a join condition alone would
    make the database build the whole matter × tag list for one reception."""
    only_r = f"r.id IN ({rids})" if rids else "1 = 1"
    only_m = f"m.reception_id IN ({rids})" if rids else "1 = 1"
    return f"""
INSERT INTO awareness_reception_fact ({FACT_COLS})
SELECT r.id, c.category,
       CASE WHEN ROW_NUMBER() OVER (PARTITION BY r.id ORDER BY c.category) = 1 THEN 1 ELSE 0 END,
       r.started_at, p.township, r.person_id, r.officer_id, r.kind, r.rating, r.visitors
FROM reception r
LEFT JOIN person p ON p.id = r.person_id
LEFT JOIN (SELECT DISTINCT m.reception_id AS rid, t.category AS category
           FROM matter m JOIN awareness_matter_tag t ON t.matter_id = m.id
           WHERE {only_m}) c ON c.rid = r.id
WHERE {only_r}"""


def _refresh(rids: str) -> list[str]:
    """Statements re-deriving the facts of the receptions whose ids ``rids`` selects."""
    return [
        f"DELETE FROM awareness_reception_fact WHERE reception_id IN ({rids})",
        _fill(rids),
    ]


def _update_reception(new: str) -> str:
    return f"""
UPDATE awareness_reception_fact SET
  started_at = {new}.started_at, person_id = {new}.person_id, officer_id = {new}.officer_id,
  kind = {new}.kind, rating = {new}.rating, visitors = {new}.visitors,
  township = (SELECT township FROM person WHERE id = {new}.person_id)
WHERE reception_id = {new}.id"""


DECISIONS = "('accept', 'decline', 'transfer')"


def _earliest(col: str) -> str:
    return (
        f"{col} = CASE WHEN excluded.{col} IS NULL THEN awareness_matter_time.{col} "
        f"WHEN awareness_matter_time.{col} IS NULL OR excluded.{col} < awareness_matter_time.{col} "
        f"THEN excluded.{col} ELSE awareness_matter_time.{col} END"
    )


def _matter_time(new: str) -> str:
    return f"""
INSERT INTO awareness_matter_time (matter_id, decided_at, replied_at, archived_at)
VALUES ({new}.matter_id,
        CASE WHEN {new}.action IN {DECISIONS} THEN {new}.at END,
        CASE WHEN {new}.action = 'reply' THEN {new}.at END,
        CASE WHEN {new}.action = 'archive' THEN {new}.at END)
ON CONFLICT (matter_id) DO UPDATE SET
  {_earliest("decided_at")}, {_earliest("replied_at")}, {_earliest("archived_at")}"""


RECEPTION_COLS = "person_id, started_at, rating, officer_id, kind, visitors"
TIME_ACTIONS = "('accept', 'decline', 'transfer', 'reply', 'archive')"

# (name, timing/event, table, WHEN or None, statements) — one list, both dialects
TRIGGERS: list[tuple[str, str, str, str | None, list[str]]] = [
    ("awareness_fact_reception_ai", "AFTER INSERT", "reception", None, _refresh("NEW.id")),
    (
        "awareness_fact_reception_au",
        f"AFTER UPDATE OF {RECEPTION_COLS}",
        "reception",
        None,
        [_update_reception("NEW")],
    ),
    (
        "awareness_fact_reception_ad",
        "AFTER DELETE",
        "reception",
        None,
        ["DELETE FROM awareness_reception_fact WHERE reception_id = OLD.id"],
    ),
    (
        "awareness_fact_person_au",
        "AFTER UPDATE OF township",
        "person",
        None,
        ["UPDATE awareness_reception_fact SET township = NEW.township WHERE person_id = NEW.id"],
    ),
    ("awareness_fact_matter_ai", "AFTER INSERT", "matter", None, _refresh("NEW.reception_id")),
    (
        "awareness_fact_matter_au",
        "AFTER UPDATE OF reception_id",
        "matter",
        None,
        _refresh("OLD.reception_id, NEW.reception_id"),
    ),
    ("awareness_fact_matter_ad", "AFTER DELETE", "matter", None, _refresh("OLD.reception_id")),
    (
        "awareness_fact_tag_ai",
        "AFTER INSERT",
        "awareness_matter_tag",
        None,
        _refresh("SELECT reception_id FROM matter WHERE id = NEW.matter_id"),
    ),
    (
        "awareness_fact_tag_au",
        "AFTER UPDATE",
        "awareness_matter_tag",
        None,
        _refresh("SELECT reception_id FROM matter WHERE id IN (OLD.matter_id, NEW.matter_id)"),
    ),
    (
        "awareness_fact_tag_ad",
        "AFTER DELETE",
        "awareness_matter_tag",
        None,
        _refresh("SELECT reception_id FROM matter WHERE id = OLD.matter_id"),
    ),
    (
        "awareness_matter_time_ai",
        "AFTER INSERT",
        "matter_transition",
        f"NEW.action IN {TIME_ACTIONS}",
        [_matter_time("NEW")],
    ),
]


def _create_triggers(dialect: str) -> None:
    for name, event, table, when, body in TRIGGERS:
        cond = f" WHEN ({when})" if when else ""
        if dialect == "postgresql":
            stmts = ";\n".join(body)
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{stmts};\nRETURN NULL;\nEND $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{cond} "
                f"EXECUTE FUNCTION {name}()"
            )
        else:
            stmts = "".join(f"{s};\n" for s in body)
            op.execute(
                f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW{cond}\nBEGIN\n{stmts}END"
            )


def upgrade() -> None:
    op.create_table(
        "awareness_reception_fact",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("reception_id", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column(
            "weight", sa.SmallInteger(), nullable=False, comment="1 on one row per reception"
        ),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("township", sa.String(length=200), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.String(length=32), nullable=True),
        sa.Column("visitors", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awareness_reception_fact")),
    )
    op.create_table(
        "awareness_matter_time",
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("replied_at", TS, nullable=True),
        sa.Column("archived_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("matter_id", name=op.f("pk_awareness_matter_time")),
    )
    bind = op.get_bind()
    op.execute(_fill(None))
    op.execute(
        f"""
INSERT INTO awareness_matter_time (matter_id, decided_at, replied_at, archived_at)
SELECT matter_id,
       MIN(CASE WHEN action IN {DECISIONS} THEN at END),
       MIN(CASE WHEN action = 'reply' THEN at END),
       MIN(CASE WHEN action = 'archive' THEN at END)
FROM matter_transition WHERE action IN {TIME_ACTIONS} GROUP BY matter_id"""
    )
    op.create_index(
        "ix_awareness_fact_cover",
        "awareness_reception_fact",
        [
            "started_at", "weight", "township", "category", "person_id", "officer_id",
            "kind", "rating", "visitors", "reception_id",
        ],
    )  # fmt: skip
    op.create_index("ix_awareness_fact_reception", "awareness_reception_fact", ["reception_id"])
    op.create_index("ix_awareness_fact_person", "awareness_reception_fact", ["person_id"])
    _create_triggers(bind.dialect.name)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for name, _, table, _, _ in TRIGGERS:
        if pg:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("awareness_matter_time")
    op.drop_table("awareness_reception_fact")
