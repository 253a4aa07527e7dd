"""``zhifang central alerts scan``: one pass of the alert scanner (for cron)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from central.broker import BrokerError, MqttCommandPublisher
from central.database import make_engine, make_session_factory
from central.devices.control import SigningPublisher, load_command_key
from central.settings import settings_or_exit as _settings

from . import service


def register(sub: Any) -> None:
    p = sub.add_parser("alerts", help="期限预警：扫描即将到期与超期事项")
    asub = p.add_subparsers(dest="alerts_command", required=True)
    scan = asub.add_parser("scan", help="raise due-soon/overdue alerts once (cron)")
    scan.add_argument("--no-mqtt", action="store_true", help="store alerts only, send nothing")
    scan.set_defaults(func=_scan)


def _scan(args: argparse.Namespace) -> int:

    settings = _settings()
    sessions = make_session_factory(make_engine(settings))
    publisher = None
    if not args.no_mqtt:
        try:
            publisher = MqttCommandPublisher(
                settings, client_id=f"{settings.ingest_client_id}-alerts"
            )
            publisher.start()
        except BrokerError as e:  # plain MQTT in production: a configuration error
            print(f"{e}", file=sys.stderr)
            return 2
        except OSError as e:
            print(f"无法连接 MQTT（告警仍会保存，稍后发送）：{e}", file=sys.stderr)
            publisher = None
    try:
        with sessions() as s:
            signed = None if publisher is None else SigningPublisher(
                publisher, key=load_command_key(settings)
            )  # fmt: skip
            fresh = service.scan(s, publisher=signed)
    finally:
        if publisher is not None:
            publisher.flush()
            publisher.stop()
    print(f"新告警 {len(fresh)} 条")
    return 0
