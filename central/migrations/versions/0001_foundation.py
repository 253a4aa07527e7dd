"""foundation: devices, events, ingest, minimal dossier, audit

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-29 17:08:00.600560
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor",
            sa.String(length=200),
            nullable=False,
            comment="account, or client until accounts",
        ),
        sa.Column(
            "action", sa.String(length=64), nullable=False, comment="e.g. person.timeline.read"
        ),
        sa.Column("target", sa.String(length=200), nullable=False, comment="e.g. person:<id>"),
        sa.Column("reason", sa.String(length=500), nullable=False, comment="why, as stated"),
        sa.Column("client", sa.String(length=200), nullable=True, comment="remote address"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_target"), "audit_log", ["target"], unique=False)
    op.create_table(
        "device",
        sa.Column("id", sa.String(length=63), nullable=False, comment="device name"),
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column(
            "public_key", sa.String(length=64), nullable=False, comment="base64 Ed25519 public key"
        ),
        sa.Column("status", sa.String(length=16), nullable=False, comment="online/offline"),
        sa.Column(
            "status_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="ts of the status message that set status",
        ),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    op.create_index(op.f("ix_device_site"), "device", ["site"], unique=False)
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "id_number_hash",
            sa.String(length=64),
            nullable=True,
            comment="HMAC-SHA256(id_hash_key, ID number), hex",
        ),
        sa.Column(
            "id_number_enc",
            sa.LargeBinary(),
            nullable=True,
            comment="AES-256-GCM(id_enc_key, ID number)",
        ),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("township", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_index(op.f("ix_person_id_number_hash"), "person", ["id_number_hash"], unique=True)
    op.create_index(op.f("ix_person_phone"), "person", ["phone"], unique=False)
    op.create_table(
        "quarantine",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=512), nullable=False),
        sa.Column(
            "device", sa.String(length=63), nullable=True, comment="from the topic, if parsable"
        ),
        sa.Column("payload", sa.LargeBinary(), nullable=False, comment="first 64 KiB"),
        sa.Column("payload_len", sa.BigInteger(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index(op.f("ix_quarantine_reason"), "quarantine", ["reason"], unique=False)
    op.create_index(op.f("ix_quarantine_received_at"), "quarantine", ["received_at"], unique=False)
    op.create_table(
        "device_seq",
        sa.Column("device", sa.String(length=63), nullable=False),
        sa.Column("contiguous", sa.BigInteger(), nullable=False, comment="1..this all stored"),
        sa.Column("max_seen", sa.BigInteger(), nullable=False),
        sa.Column(
            "gap_since",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="when the current gap was first seen",
        ),
        sa.Column("resend_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resend_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device"], ["device.id"], name=op.f("fk_device_seq_device_device")
        ),
        sa.PrimaryKeyConstraint("device", name=op.f("pk_device_seq")),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False, comment="UUIDv7"),
        sa.Column("device", sa.String(length=63), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False, comment="when the box made it"),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("schema", sa.Integer(), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "raw", sa.LargeBinary(), nullable=False, comment="signed wire bytes, as received"
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["device"], ["device.id"], name=op.f("fk_event_device_device")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sa.UniqueConstraint("device", "seq", name="uq_event_device_seq"),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_event_id")),
    )
    op.create_index(op.f("ix_event_type"), "event", ["type"], unique=False)
    op.create_table(
        "reception",
        sa.Column("id", sa.String(length=36), nullable=False, comment="reception_id"),
        sa.Column("device", sa.String(length=63), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("visitors", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.String(length=32), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_level", sa.String(length=16), nullable=True),
        sa.Column("risk_reason", sa.String(length=200), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False, comment="events stored so far"),
        sa.Column(
            "events_expected",
            sa.Integer(),
            nullable=True,
            comment="count the box declared in reception.ended",
        ),
        sa.ForeignKeyConstraint(["device"], ["device.id"], name=op.f("fk_reception_device_device")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_reception_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception")),
    )
    op.create_index(op.f("ix_reception_device"), "reception", ["device"], unique=False)
    op.create_index(op.f("ix_reception_person_id"), "reception", ["person_id"], unique=False)
    op.create_index(op.f("ix_reception_started_at"), "reception", ["started_at"], unique=False)
    op.create_table(
        "reception_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reception_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False, comment="source event"),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matter_ref", sa.String(length=200), nullable=True),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reception_id"],
            ["reception.id"],
            name=op.f("fk_reception_step_reception_id_reception"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_step")),
        sa.UniqueConstraint("event_id", name=op.f("uq_reception_step_event_id")),
    )
    op.create_index(
        op.f("ix_reception_step_reception_id"), "reception_step", ["reception_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reception_step_reception_id"), table_name="reception_step")
    op.drop_table("reception_step")
    op.drop_index(op.f("ix_reception_started_at"), table_name="reception")
    op.drop_index(op.f("ix_reception_person_id"), table_name="reception")
    op.drop_index(op.f("ix_reception_device"), table_name="reception")
    op.drop_table("reception")
    op.drop_index(op.f("ix_event_type"), table_name="event")
    op.drop_table("event")
    op.drop_table("device_seq")
    op.drop_index(op.f("ix_quarantine_received_at"), table_name="quarantine")
    op.drop_index(op.f("ix_quarantine_reason"), table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_index(op.f("ix_person_phone"), table_name="person")
    op.drop_index(op.f("ix_person_id_number_hash"), table_name="person")
    op.drop_table("person")
    op.drop_index(op.f("ix_device_site"), table_name="device")
    op.drop_table("device")
    op.drop_index(op.f("ix_audit_log_target"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
