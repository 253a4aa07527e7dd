"""Every DB test here runs on SQLite and on PostgreSQL (central's fixtures), with a
registered box and the ingestor to feed the API receptions."""

from tests.central.ingest.conftest import box, db_url, engine, ingestor, sessions, settings  # noqa: F401
