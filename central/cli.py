"""``zhifang central ...``: serve, ingest, migrate, device add/list/revoke.

Configuration comes from ``ZHIFANG_*`` environment variables (see ``settings.py``).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from .access.matrix import markdown
from .accounts.cli import register as register_users
from .alerts.cli import register as register_alerts
from .alerts.scanner import start_alert_scanner
from .app import create_app
from .audit import service as audit
from .awareness.scheduler import start_awareness_jobs
from .bm25 import warm_up
from .broker import BrokerError, PlainMqttRefused, check_transport
from .database import make_engine, make_session_factory, migrate
from .devices import service
from .devices.cli import register as register_provisioning
from .devices.schemas import DeviceCreate
from .ingest.command_key import register as register_command_key
from .ingest.mqtt import MqttIngestClient
from .ingest.runner import run_ingest
from .ingest.verify import register as register_events
from .settings import Settings, settings_or_exit


def register(sub: Any) -> None:
    p = sub.add_parser("central", help="中心服务：API、控制台、MQTT 接入")
    csub = p.add_subparsers(dest="central_command", required=True)

    serve = csub.add_parser("serve", help="run the HTTP API + console (and ingest)")
    serve.add_argument("--no-ingest", action="store_true", help="do not run MQTT ingest here")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate on start")
    serve.set_defaults(func=_serve)

    ingest = csub.add_parser("ingest", help="run one MQTT ingest worker only")
    ingest.add_argument(
        "--client-id",
        help="this worker's MQTT client id (unique per worker, stable across restarts)",
    )
    ingest.add_argument("--no-migrate", action="store_true", help="do not migrate on start")
    ingest.add_argument(
        "--retire",
        action="store_true",
        help="delete this worker's session on the broker and exit (when removing a worker)",
    )
    ingest.set_defaults(func=_ingest)

    csub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=_migrate)

    register_users(csub)
    register_alerts(csub)
    register_command_key(csub)
    register_events(csub)

    register_provisioning(csub, _with_session)
    matrix = csub.add_parser("access-matrix", help="print the access matrix (Markdown)")
    matrix.set_defaults(func=_access_matrix)

    dev = csub.add_parser("device", help="register, list and revoke boxes")
    dsub = dev.add_subparsers(dest="device_command", required=True)
    add = dsub.add_parser("add", help="register a box")
    add.add_argument("name")
    add.add_argument("--site", required=True)
    add.add_argument("--public-key", required=True, help="base64 Ed25519 public key")
    add.set_defaults(func=_device_add)
    ls = dsub.add_parser("list", help="list boxes")
    ls.add_argument("--site")
    ls.set_defaults(func=_device_list)
    rv = dsub.add_parser("revoke", help="revoke a box: its events are quarantined from now on")
    rv.add_argument("name")
    rv.add_argument("--reason", required=True, help="why (the audit log keeps it)")
    rv.set_defaults(func=_device_revoke)


def _settings() -> Any:
    return settings_or_exit()


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _migrate(_args: argparse.Namespace) -> int:

    settings = _settings()
    engine = make_engine(settings)
    migrate(engine, settings=settings)
    print(f"schema is up to date ({engine.url.render_as_string(hide_password=True)})")
    return 0


def _stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


def _ingest(args: argparse.Namespace) -> int:

    _logging()
    settings = _settings()
    if args.client_id:
        settings = settings.model_copy(update={"ingest_client_id": args.client_id})
    if args.retire:
        try:
            MqttIngestClient(settings).retire()
        except BrokerError as e:
            print(f"retire failed: {e}", file=sys.stderr)
            return 1
        print(f"session of {settings.ingest_client_id} deleted on the broker")
        return 0
    if not args.no_migrate:
        migrate(make_engine(settings), settings=settings)
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        stats = run_ingest(settings, stop)
    except BrokerError as e:  # refused by the broker, or plain MQTT in production
        print(f"ingest stopped: {e}", file=sys.stderr)
        return 1
    print(f"ingest stopped: {stats}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    _logging()
    settings = _settings()
    if not args.no_ingest:
        try:  # refuse at once, not from the ingest thread while the API goes on
            check_transport(settings)
        except PlainMqttRefused as e:
            print(f"central not started: {e}", file=sys.stderr)
            return 2
    # BEGIN IMMEDIATE on SQLite, as ingest and the test suite run: a request that reads
    # and then writes (an audit row after a search, an upload's progress) otherwise fails
    # at once with "database is locked" when ingest commits in between; this way it waits
    # its turn (busy timeout). PostgreSQL is unaffected.
    engine = make_engine(settings, write_immediate=True)
    if not args.no_migrate:
        migrate(engine, settings=settings)
    stop = threading.Event()
    failed: list[BaseException] = []
    worker = None
    if not args.no_ingest:

        def ingest() -> None:
            try:
                run_ingest(settings, stop)
            except BaseException as e:  # reported below; the API keeps serving
                failed.append(e)
                logging.getLogger("central.ingest").exception("ingest stopped")

        worker = threading.Thread(target=ingest, name="ingest", daemon=True)
        worker.start()
    app = create_app(settings, engine=engine)

    start_alert_scanner(app.state, stop)  # due-soon and overdue matters
    start_awareness_jobs(app.state, stop)  # early warning hourly, the monthly report

    warm_up()  # the segmenter, before the first matter page asks for similar matters
    print(f"智访 central: {settings.public_url}/console/", flush=True)
    try:
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_level="info",
            access_log=os.environ.get("ZHIFANG_ACCESS_LOG", "1") != "0",
        )
    finally:
        stop.set()
        if worker is not None:
            worker.join(timeout=10)
    return 1 if failed else 0


def _with_session(fn: Any) -> Any:

    sessions = make_session_factory(make_engine(_settings()))
    with sessions.begin() as s:
        return fn(s)


def _device_add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    try:
        data = DeviceCreate(name=args.name, site=args.site, public_key=args.public_key)
    except ValidationError as e:
        print(f"输入有误: {e}", file=sys.stderr)
        return 2

    def add(s: Any) -> None:

        service.register(s, data=data)
        audit.record(
            s, actor=_cli_actor(), action="device.register", target=f"device:{data.name}",
            reason=f"site={data.site}",
        )  # fmt: skip

    try:
        _with_session(add)
    except service.DeviceExists as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"已登记设备 {data.name}（站点 {data.site}）")
    return 0


def _device_list(args: argparse.Namespace) -> int:

    def show(s: Any) -> None:
        for d in service.list_devices(s, site=args.site):
            state = "已吊销" if d.revoked_at else d.status
            seen = d.last_seen.isoformat() if d.last_seen else "-"
            print(f"{d.id}\t{d.site}\t{state}\t{seen}\t{d.public_key}")

    _with_session(show)
    return 0


def _device_revoke(args: argparse.Namespace) -> int:

    def revoke(s: Any) -> None:

        service.revoke(s, name=args.name)
        audit.record(
            s, actor=_cli_actor(), action="device.revoke", target=f"device:{args.name}",
            reason=args.reason,
        )  # fmt: skip

    try:
        _with_session(revoke)
    except service.DeviceNotFound as e:
        print(str(e), file=sys.stderr)
        return 1
    print(f"已吊销设备 {args.name}")
    return 0


def _cli_actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _access_matrix(_args: argparse.Namespace) -> int:
    """The access matrix from the routes' own declarations (docs/security.md)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="development", data_dir=tmp)
        app = create_app(settings)
        print(markdown(app.state.access_table))
        app.state.engine.dispose()
    return 0
