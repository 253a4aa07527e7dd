"""Every DB test here runs on SQLite and on PostgreSQL (central's fixtures)."""

from tests.central.ingest.conftest import db_url, engine, sessions, settings  # noqa: F401
