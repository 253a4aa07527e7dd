"""Databases for the evidence tests: SQLite always, PostgreSQL when it is reachable."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import create_engine

from central.database import make_engine, make_session_factory
from tests.auth import production_settings
from tests.databases import Migrated, pg_schema_url

from .helpers import make_tsa


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sessions(request, tmp_path, migrated: Migrated):
    """Central's migrated database (a copy, see ``tests/databases.py``), on its own."""
    if request.param == "sqlite":
        settings = production_settings(data_dir=tmp_path / "db")
        migrated.fill(settings.db_url)
        engine = make_engine(settings)
        yield make_session_factory(engine)
        engine.dispose()
        return
    gen = pg_schema_url("zf_evidence")
    url = next(gen)
    migrated.fill(url)
    engine = create_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        gen.close()


@pytest.fixture(scope="module")
def tsa_server(tmp_path_factory):
    d = make_tsa(tmp_path_factory.mktemp("tsa"))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                (d / "q.tsq").write_bytes(body)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-queryfile", str(d / "q.tsq"), "-config",
                     str(d / "tsa.cnf"), "-inkey", str(d / "tsa.key"), "-signer",
                     str(d / "tsa.pem"), "-out", str(d / "r.tsr")],
                    capture_output=True,
                )  # fmt: skip
                reply = (d / "r.tsr").read_bytes() if done.returncode == 0 else b""
            self.send_response(200 if reply else 400)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", d
    server.shutdown()
