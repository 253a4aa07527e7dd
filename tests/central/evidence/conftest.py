"""Databases for the evidence tests: SQLite always, PostgreSQL when it is reachable."""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import create_engine

from central.database import load_models, make_engine, make_session_factory
from central.db import Base
from tests.auth import production_settings
from tests.databases import pg_schema_url

from .helpers import make_tsa


def _tables():
    """Every table (central as a whole answers the box's and the console's requests;
    no migration's triggers are needed here)."""
    load_models()
    return list(Base.metadata.tables.values())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sessions(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(production_settings(data_dir=tmp_path / "db"))
        Base.metadata.create_all(engine, tables=_tables())
        yield make_session_factory(engine)
        engine.dispose()
        return
    gen = pg_schema_url("zf_evidence")
    url = next(gen)
    engine = create_engine(url)
    try:
        Base.metadata.create_all(engine, tables=_tables())
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
