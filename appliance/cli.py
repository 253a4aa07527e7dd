"""``zhifang appliance …``: run the box, make its key."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("appliance", help="the box on the reception desk")
    asub = p.add_subparsers(dest="appliance_command", required=True)

    run = asub.add_parser("run", help="forward the outbox to the broker (and simulate)")
    run.add_argument("--config", type=Path, required=True, help="box config (TOML)")
    run.add_argument(
        "--simulate", type=int, default=0, metavar="N", help="run N scripted receptions first"
    )
    run.add_argument(
        "--exit-when-drained",
        action="store_true",
        help="exit 0 once every event is acknowledged (1 if --timeout passes first)",
    )
    run.add_argument(
        "--drain-timeout",
        "--timeout",
        dest="timeout",
        type=float,
        default=120.0,
        help="seconds to wait with --exit-when-drained",
    )
    run.add_argument("--pin", default=None, help="officer PIN for --simulate (demo PIN if unset)")
    run.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING, ERROR")
    run.set_defaults(func=cmd_run)

    kg = asub.add_parser("keygen", help="make the device key if missing; print the public key")
    kg.add_argument("--config", type=Path, required=True, help="box config (TOML)")
    kg.set_defaults(func=cmd_keygen)

    from .ui import cli as ui_cli  # the touchscreen: `zhifang appliance ui`

    ui_cli.register(asub)


def _load(path: Path) -> Any:
    from .config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as e:
        print(f"配置错误 / config error: {e}", file=sys.stderr)
        return None


def cmd_keygen(args: argparse.Namespace) -> int:
    from protocol import keys

    config = _load(args.config)
    if config is None:
        return 2
    try:
        key = keys.load_or_create_private_key(config.key_file)
    except (PermissionError, ValueError) as e:
        print(f"device key {config.key_file}: {e}", file=sys.stderr)
        return 2
    print(f"device {config.device} key id {keys.key_id(key)} ({config.key_file})", file=sys.stderr)
    print(keys.public_key_b64(key))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per upload chunk is noise
    config = _load(args.config)
    if config is None:
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        return _run_box(args, config, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_box(args: argparse.Namespace, config: Any, stop: threading.Event) -> int:
    from firmware_glue import watchdog

    from .box import Box
    from .officers import OfficerDirectory, SignInError
    from .simulate import DEMO_PIN, demo_directory, simulate

    try:
        box = Box(config)
    except (PermissionError, ValueError) as e:
        print(f"cannot start the box: {e}", file=sys.stderr)
        return 2
    box.start()
    wd = watchdog.from_environment()  # systemd Type=notify + WatchdogSec (no-op elsewhere)
    wd.ready(status=f"device {config.device}")
    try:
        if args.simulate:
            officer = config.officer.default_id
            if officer in config.officer.pin_hashes:
                directory = OfficerDirectory(config.officer.pin_hashes)
            else:
                directory = demo_directory(officer, args.pin or DEMO_PIN)
            try:
                ids = simulate(
                    box.outbox, args.simulate, officer_id=officer, directory=directory,
                    pin=args.pin or DEMO_PIN,
                    recorder=box.recorder if config.central_url else None,
                )  # fmt: skip
            except SignInError as e:
                print(f"officer sign-in failed: {e}", file=sys.stderr)
                return 2
            for rid in ids:
                print(f"reception {rid}", flush=True)
        deadline = time.monotonic() + args.timeout
        while not stop.is_set():
            if args.exit_when_drained:
                evidence = box.evidence_pending() if config.central_url else 0
                if box.outbox.pending_count() == 0 and evidence == 0:
                    print(f"drained: {box.outbox.counts()}", flush=True)
                    return 0
                if time.monotonic() > deadline:
                    c = box.outbox.counts()
                    print(
                        f"not drained after {args.timeout:.0f} s: {c}, "
                        f"segments not uploaded: {evidence}",
                        file=sys.stderr,
                    )
                    return 1
            stop.wait(0.2)
            wd.ping_if_due()  # from this loop: if it hangs, systemd restarts the box
        return 0
    finally:
        wd.stopping()
        box.stop()
