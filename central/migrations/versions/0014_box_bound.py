"""a box speaks only for itself: rating/person by seq, quarantine counts, upload binding,
and no ID number in clear in the event store or the quarantine (#13)

Revision ID: 0014_box_bound
Revises: 0012_login_throttle

Schema: ``reception.rating_seq`` / ``person_seq``; tables ``quarantine_count`` and
``quarantine_rate``;
``evidence_uploads.reception_id`` / ``seg_index`` / ``size``; comments.

Data (needs the database key: ``migrate(engine, settings=...)``, which ``zhifang central
migrate``, ``serve`` and ``ingest`` pass): every ``event.raw`` and ``quarantine.payload``
is sealed (``central/ingest/at_rest.py``); in ``event.body`` an ID number becomes its
keyed hash; quarantine details and topics are scrubbed; the existing quarantine rows are
counted into ``quarantine_count``; receptions get the seq of the rating and of the
identification that bind them (from their own box's events); uploads get their
reception, index and size from their manifests. A database with nothing to seal needs
no key (a new one).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision = "0014_box_bound"
down_revision = "0012_login_throttle"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 500

KIND_BEFORE = "due_soon/overdue/record_problem/high_risk/early_warning"
KIND_AFTER = (
    "due_soon/overdue/record_problem/high_risk/early_warning/foreign_reception/quarantine_flood"
)
COMMENTS: list[tuple[str, str, Any, bool, str | None, str]] = [
    # (table, column, type, nullable, comment before, comment after)
    ("alert", "kind", sa.String(24), False, KIND_BEFORE, KIND_AFTER),
    ("event", "raw", sa.LargeBinary(), False, "signed wire bytes, as received",
     "signed wire bytes as received, sealed (AES-GCM, at_rest.py)"),
    ("event", "body", JSON, False, None,
     "the body; an ID number replaced by its keyed hash (at_rest.py)"),
    ("quarantine", "payload", sa.LargeBinary(), False, "first 64 KiB",
     "first 64 KiB (4 KiB if too large), sealed (AES-GCM, at_rest.py)"),
    ("evidence_uploads", "status", sa.String(16), False, "open/done/refused",
     "open/parked/done/refused"),
]  # fmt: skip

event = sa.table(
    "event",
    sa.column("id", sa.BigInteger),
    sa.column("event_id", sa.String),
    sa.column("device", sa.String),
    sa.column("seq", sa.BigInteger),
    sa.column("type", sa.String),
    sa.column("body", JSON),
    sa.column("raw", sa.LargeBinary),
)
quarantine = sa.table(
    "quarantine",
    sa.column("id", sa.BigInteger),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("topic", sa.String),
    sa.column("payload", sa.LargeBinary),
    sa.column("payload_len", sa.BigInteger),
    sa.column("payload_sha256", sa.String),
    sa.column("reason", sa.String),
    sa.column("detail", sa.String),
)
counts = sa.table(
    "quarantine_count",
    sa.column("day", sa.String),
    sa.column("kind", sa.String),
    sa.column("reason", sa.String),
    sa.column("messages", sa.BigInteger),
    sa.column("bytes", sa.BigInteger),
)
reception = sa.table(
    "reception",
    sa.column("id", sa.String),
    sa.column("device", sa.String),
    sa.column("rating", sa.String),
    sa.column("person_id", sa.String),
    sa.column("rating_seq", sa.BigInteger),
    sa.column("person_seq", sa.BigInteger),
)
uploads = sa.table(
    "evidence_uploads",
    sa.column("id", sa.String),
    sa.column("manifest", sa.LargeBinary),
    sa.column("reception_id", sa.String),
    sa.column("seg_index", sa.Integer),
    sa.column("size", sa.BigInteger),
)


class KeyNeeded(RuntimeError):
    """Stored payloads must be sealed, and no database key was given."""


def _keys() -> tuple[bytes, bytes]:
    """(payload key, ID hash key) from the settings ``migrate()`` was given."""
    from central.ingest import at_rest

    settings = context.config.attributes.get("settings")
    if settings is None:
        raise KeyNeeded(
            "migration 0014_box_bound seals the stored event and quarantine payloads under "
            "the database key: run `zhifang central migrate` with the server's settings "
            "(ZHIFANG_ID_ENC_KEY, ZHIFANG_ID_HASH_KEY), or call migrate(engine, settings=...)"
        )
    return at_rest.payload_key(settings.id_enc_key_bytes), settings.id_hash_key_bytes


def _comments(upgrade: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":  # SQLite keeps no comments
        return
    for table, column, type_, nullable, before, after in COMMENTS:
        op.alter_column(
            table, column, existing_type=type_, existing_nullable=nullable,
            existing_comment=before if upgrade else after, comment=after if upgrade else before,
        )  # fmt: skip


def upgrade() -> None:
    op.add_column(
        "reception",
        sa.Column(
            "rating_seq", sa.BigInteger(), nullable=True,
            comment="the box's seq of the rating event that binds (the lowest)",
        ),
    )  # fmt: skip
    op.add_column(
        "reception",
        sa.Column(
            "person_seq", sa.BigInteger(), nullable=True,
            comment="the box's seq of the identification that set person_id (the highest)",
        ),
    )  # fmt: skip
    op.create_table(
        "quarantine_count",
        sa.Column("day", sa.String(10), nullable=False, comment="YYYY-MM-DD, UTC"),
        sa.Column(
            "kind", sa.String(16), nullable=False, comment="quarantined / ignored (statuses, acks)"
        ),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False, comment="their full length"),
        sa.PrimaryKeyConstraint("day", "kind", "reason", name=op.f("pk_quarantine_count")),
    )
    op.create_table(
        "quarantine_rate",
        sa.Column("minute", sa.String(16), nullable=False, comment="YYYY-MM-DDTHH:MM, UTC"),
        sa.Column("messages", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", name=op.f("pk_quarantine_rate")),
    )
    op.add_column("evidence_uploads", sa.Column("reception_id", sa.String(36), nullable=True))
    op.add_column("evidence_uploads", sa.Column("seg_index", sa.Integer(), nullable=True))
    op.add_column(
        "evidence_uploads",
        sa.Column("size", sa.BigInteger(), nullable=True, comment="bytes the manifest announces"),
    )
    op.create_index(op.f("ix_evidence_uploads_reception_id"), "evidence_uploads", ["reception_id"])
    _comments(upgrade=True)
    bind = op.get_bind()
    _seal_events(bind)
    _seal_quarantine(bind)
    _bind_receptions(bind)
    _describe_uploads(bind)


def _chunks(bind: sa.Connection, query: sa.Select[Any]) -> Any:
    """Rows of ``query`` (ordered by id) in chunks, without holding them all."""
    last = None
    while True:
        q = query if last is None else query.where(query.selected_columns[0] > last)
        rows = bind.execute(q.limit(CHUNK)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _seal_events(bind: sa.Connection) -> None:
    from central.ingest import at_rest

    keys: tuple[bytes, bytes] | None = None
    q = sa.select(event.c.id, event.c.event_id, event.c.body, event.c.raw).order_by(event.c.id)
    for rows in _chunks(bind, q):
        updates = []
        for id_, event_id, body, raw in rows:
            if at_rest.is_sealed(raw):
                continue
            keys = keys or _keys()
            updates.append(
                {
                    "k": id_,
                    "raw": at_rest.seal(keys[0], raw, context=at_rest.event_context(event_id)),
                    "body": at_rest.stored_body(body, hash_key=keys[1]),
                }
            )
        if updates:
            bind.execute(
                event.update().where(event.c.id == sa.bindparam("k")),
                updates,
            )


def _seal_quarantine(bind: sa.Connection) -> None:
    from central.ingest import at_rest

    keys: tuple[bytes, bytes] | None = None
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    q = sa.select(
        quarantine.c.id, quarantine.c.payload, quarantine.c.payload_sha256,
        quarantine.c.detail, quarantine.c.topic, quarantine.c.received_at,
        quarantine.c.reason, quarantine.c.payload_len,
    ).order_by(quarantine.c.id)  # fmt: skip
    for rows in _chunks(bind, q):
        updates = []
        for id_, payload, digest, detail, topic, received_at, reason, length in rows:
            t = tally[(received_at.strftime("%Y-%m-%d"), reason)]
            t[0] += 1
            t[1] += int(length or 0)
            if at_rest.is_sealed(payload):
                continue
            keys = keys or _keys()
            updates.append(
                {
                    "k": id_,
                    "payload": at_rest.seal(
                        keys[0], payload, context=at_rest.quarantine_context(digest)
                    ),
                    "detail": at_rest.scrub(detail),
                    "topic": at_rest.scrub(topic),
                }
            )
        if updates:
            bind.execute(
                quarantine.update().where(quarantine.c.id == sa.bindparam("k")),
                updates,
            )
    if tally:  # what was quarantined so far is counted: counts are kept for ever
        bind.execute(
            counts.insert(),
            [
                {"day": day, "kind": "quarantined", "reason": reason, "messages": n, "bytes": b}
                for (day, reason), (n, b) in sorted(tally.items())
            ],
        )


def _bind_receptions(bind: sa.Connection) -> None:
    """The rating that binds is the owner's lowest-seq one; the person, its highest-seq
    identification (as ingest now decides). Without its event: 0 (what is there stays)."""
    owner = dict(bind.execute(sa.select(reception.c.id, reception.c.device)).all())
    if not owner:
        return
    rating_seq: dict[str, int] = {}
    person_seq: dict[str, int] = {}
    q = (
        sa.select(event.c.id, event.c.device, event.c.seq, event.c.type, event.c.body)
        .where(event.c.type.in_(["rating.given", "identity.checked"]))
        .order_by(event.c.id)
    )
    for rows in _chunks(bind, q):
        for _id, device, seq, type_, body in rows:
            body = body if isinstance(body, dict) else json.loads(body)
            rid = str(body.get("reception_id"))
            if owner.get(rid) != device:
                continue
            if type_ == "rating.given":
                rating_seq[rid] = min(seq, rating_seq.get(rid, seq))
            elif (
                body.get("subject") == "petitioner"
                and body.get("person")
                and body.get("outcome") in ("verified", "new_person")
            ):
                person_seq[rid] = max(seq, person_seq.get(rid, seq))
    rated = bind.execute(sa.select(reception.c.id, reception.c.rating, reception.c.person_id)).all()
    updates = [
        {
            "k": rid,
            "rating_seq": rating_seq.get(rid, 0) if rating is not None else None,
            "person_seq": person_seq.get(rid, 0) if person is not None else None,
        }
        for rid, rating, person in rated
        if rating is not None or person is not None
    ]
    for i in range(0, len(updates), CHUNK):
        bind.execute(
            reception.update().where(reception.c.id == sa.bindparam("k")),
            updates[i : i + CHUNK],
        )


def _describe_uploads(bind: sa.Connection) -> None:
    q = sa.select(uploads.c.id, uploads.c.manifest).order_by(uploads.c.id)
    for rows in _chunks(bind, q):
        updates = []
        for id_, manifest in rows:
            try:
                m = json.loads(manifest)["manifest"]
                updates.append(
                    {"k": id_, "reception_id": m["reception_id"], "seg_index": m["index"],
                     "size": m["size"]}
                )  # fmt: skip
            except (ValueError, KeyError, TypeError):
                continue  # unreadable: it was refused at the time; nothing to bind
        if updates:
            bind.execute(uploads.update().where(uploads.c.id == sa.bindparam("k")), updates)


def downgrade() -> None:
    """Back to payloads in clear (needs the key again); the bodies are rebuilt from them."""
    from central.ingest import at_rest

    bind = op.get_bind()
    keys: tuple[bytes, bytes] | None = None
    q = sa.select(event.c.id, event.c.event_id, event.c.raw).order_by(event.c.id)
    for rows in _chunks(bind, q):
        updates = []
        for id_, event_id, raw in rows:
            if not at_rest.is_sealed(raw):
                continue
            keys = keys or _keys()
            clear = at_rest.open_payload(keys[0], raw, context=at_rest.event_context(event_id))
            updates.append({"k": id_, "raw": clear, "body": json.loads(clear)["body"]})
        if updates:
            bind.execute(event.update().where(event.c.id == sa.bindparam("k")), updates)
    q = sa.select(quarantine.c.id, quarantine.c.payload, quarantine.c.payload_sha256).order_by(
        quarantine.c.id
    )
    for rows in _chunks(bind, q):
        updates = []
        for id_, payload, digest in rows:
            if not at_rest.is_sealed(payload):
                continue
            keys = keys or _keys()
            clear = at_rest.open_payload(
                keys[0], payload, context=at_rest.quarantine_context(digest)
            )
            updates.append({"k": id_, "payload": clear})
        if updates:
            bind.execute(quarantine.update().where(quarantine.c.id == sa.bindparam("k")), updates)
    _comments(upgrade=False)
    op.drop_index(op.f("ix_evidence_uploads_reception_id"), table_name="evidence_uploads")
    # plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch copy of ``reception`` would
    # trip over the awareness triggers that name it
    for table, column in (
        ("evidence_uploads", "size"),
        ("evidence_uploads", "seg_index"),
        ("evidence_uploads", "reception_id"),
        ("reception", "person_seq"),
        ("reception", "rating_seq"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    op.drop_table("quarantine_rate")
    op.drop_table("quarantine_count")
