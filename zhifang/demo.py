"""``zhifang demo``: a whole reception, simulated box → broker → central.

Central and the box run as separate processes of this same command line, exactly
as they would on two machines; the demo only starts them, registers the box at
central over HTTP, and checks the outcome through central's HTTP API.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SITE = "demo-site"
DEVICE = "desk-01"
RATING_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


class DemoError(RuntimeError):
    pass


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run a whole reception: simulated box → broker → central")
    p.add_argument("--once", action="store_true", help="check central's state, print, exit")
    p.add_argument("--data-dir", type=Path, default=None, help="default: var/demo (or a temp dir)")
    p.add_argument("--port", type=int, default=8000, help="central's HTTP port (0: any free)")
    p.add_argument("--mqtt-host", default=os.environ.get("ZHIFANG_MQTT_HOST", "127.0.0.1"))
    p.add_argument("--mqtt-port", type=int, default=int(os.environ.get("ZHIFANG_MQTT_PORT", 1883)))
    p.add_argument("--evidence-out", type=Path, default=None, help="export the evidence bundle")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each stage")
    p.set_defaults(func=run)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _zhifang(*args: str) -> list[str]:
    return [sys.executable, "-m", "zhifang", *args]


def _wait(
    what: str, check: Any, timeout: float, proc: subprocess.Popen[bytes] | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise DemoError(f"{what}: the process exited with code {proc.returncode}")
        try:
            last = check()
            if last:
                return last
        except Exception as e:  # keep polling; report the last problem on time-out
            last = e
        time.sleep(0.2)
    raise DemoError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except DemoError as e:
        print(f"zhifang demo: FAILED: {e}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    import httpx

    if not _port_open(args.mqtt_host, args.mqtt_port):
        raise DemoError(
            f"no MQTT broker answers at {args.mqtt_host}:{args.mqtt_port}; "
            "`make demo` starts one (scripts/ensure-broker.sh)"
        )
    temp = None
    if args.data_dir is None:
        if args.once:
            temp = tempfile.mkdtemp(prefix="zhifang-demo-")
            data = Path(temp)
        else:
            data = Path("var/demo")
    else:
        data = args.data_dir
    data = data.resolve()
    central_dir, box_dir = data / "central", data / "box"
    box_dir.mkdir(parents=True, exist_ok=True)
    port = args.port or _free_port()
    if _port_open("127.0.0.1", port):
        if args.port != 8000:
            raise DemoError(f"port {port} is already in use; pass --port 0 for a free one")
        port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # the demo's site name is its own (a shared broker's retained state from another
    # demo never mixes in) and kept with its data, so a second run of the same demo
    # finds its box registered under the same site and key
    data.mkdir(parents=True, exist_ok=True)
    id_file = data / "run-id"
    if not id_file.exists():
        id_file.write_text(secrets.token_hex(3) + "\n")
    run_id = id_file.read_text().strip()
    site, device = f"{SITE}-{run_id}", DEVICE
    env = {
        **os.environ,
        "ZHIFANG_ENVIRONMENT": "development",
        "ZHIFANG_DATA_DIR": str(central_dir),
        "ZHIFANG_HTTP_PORT": str(port),
        "ZHIFANG_PUBLIC_URL": url,
        "ZHIFANG_MQTT_HOST": args.mqtt_host,
        "ZHIFANG_MQTT_PORT": str(args.mqtt_port),
        "ZHIFANG_INGEST_CLIENT_ID": f"zhifang-demo-ingest-{run_id}",
        # a shared-subscription group of its own with a short-lived session: on a
        # broker that other runs used, their parked sessions would otherwise take
        # their round-robin share of this run's events
        "ZHIFANG_INGEST_GROUP": f"demo-{run_id}",
        "ZHIFANG_ACCESS_LOG": "0",  # the demo polls central; its own summary says enough
        "ZHIFANG_MQTT_SESSION_EXPIRY_S": "60" if args.once else "3600",
    }
    env.pop("ZHIFANG_DATABASE_URL", None)
    procs: list[subprocess.Popen[bytes]] = []

    ctrl_c: list[bool] = []  # set when the user stopped us: central got Ctrl-C as well

    def stop_all() -> None:
        for p in procs:
            if ctrl_c:  # a second SIGINT would make uvicorn abort its clean shutdown
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(5)
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()

    try:
        # central's command key, made before central starts (so that only one process
        # makes it): the box pins it and carries out only commands it signed
        shown = subprocess.run(
            _zhifang("central", "command-key", "show"),
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if shown.returncode != 0:
            raise DemoError(f"central's command key: {shown.stderr.strip()}")
        command_key = shown.stdout.strip().splitlines()[-1]
        print(f"zhifang demo: central on {url} (SQLite under {central_dir})")
        central = subprocess.Popen(_zhifang("central", "serve"), env=env)
        procs.append(central)
        client = httpx.Client(base_url=url, timeout=5)
        _wait(
            "central to answer /healthz",
            lambda: client.get("/healthz").status_code == 200,
            args.timeout,
            central,
        )

        # a console account for whoever runs the demo; its password is kept (0600) with
        # the demo's data, so a second run of the same demo prints the same login
        pw_file = data / "console-login.txt"
        if pw_file.exists():
            password = pw_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(9)
            user = subprocess.run(
                _zhifang("central", "user", "add", "demo-leader", "--role", "leader",
                         "--org", "*", "--display-name", "演示领导", "--on-duty"),
                env=env, input=password + "\n", capture_output=True, text=True, check=False,
            )  # fmt: skip
            if user.returncode != 0:
                raise DemoError(f"making the console account failed: {user.stdout}{user.stderr}")
            fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(password + "\n")

        config = box_dir / "box.toml"
        config.write_text(
            f'site = "{site}"\ndevice = "{device}"\ndata_dir = "{box_dir.as_posix()}"\n'
            f'central_url = "{url}"\ncentral_command_keys = ["{command_key}"]\n\n'
            f'[mqtt]\nhost = "{args.mqtt_host}"\nport = {args.mqtt_port}\n'
            f'client_id = "zhifang-demo-box-{run_id}"\n'
            # the demo's broker has no TLS: said so explicitly, and warned about at start
            "allow_plain_mqtt = true\n",
            encoding="utf-8",
        )
        keygen = subprocess.run(
            _zhifang("appliance", "keygen", "--config", str(config)),
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if keygen.returncode != 0:
            raise DemoError(f"appliance keygen failed: {keygen.stderr.strip()}")
        public_key = keygen.stdout.strip().splitlines()[-1]
        r = client.post(
            "/api/devices", json={"name": device, "site": site, "public_key": public_key}
        )
        if r.status_code not in (200, 201):
            raise DemoError(f"registering the box at central failed: {r.status_code} {r.text}")
        print(f"zhifang demo: box {site}/{device} registered (key {public_key[:12]}…)")

        def receptions() -> list[dict[str, Any]]:
            items = client.get("/api/receptions", params={"device": device}).json()
            return list(items.get("items", items) if isinstance(items, dict) else items)

        earlier = {x["id"] for x in receptions()}  # a second run of the same demo
        box = subprocess.run(
            _zhifang(
                "appliance",
                "run",
                "--config",
                str(config),
                "--simulate",
                "1",
                "--exit-when-drained",
                "--drain-timeout",
                str(args.timeout),
            ),
            env=env,
            check=False,
        )
        if box.returncode != 0:
            raise DemoError(f"the simulated box exited with code {box.returncode}")

        def reception_done() -> dict[str, Any] | None:
            done = [
                x for x in receptions()
                if x["id"] not in earlier and x.get("ended_at") and x.get("rating")
            ]  # fmt: skip
            return done[0] if done else None

        rec = _wait(
            "the reception, ended and rated, at central", reception_done, args.timeout, central
        )
        stats = client.get("/api/stats").json()
        events = stats.get("events")
        summary = (
            f"zhifang demo: ok receptions={stats.get('receptions')} events={events} "
            f"rating={rec['rating']}({RATING_ZH.get(rec['rating'], '?')}) "
            f"quarantined={stats.get('quarantined', 0)} reception={rec['id']}"
        )
        problems = []
        if not stats.get("receptions"):
            problems.append("no reception at central")
        if not events or int(events) < 5:
            problems.append(f"expected at least 5 events, central has {events}")
        if stats.get("quarantined"):
            problems.append(f"{stats['quarantined']} message(s) quarantined")
        ev = client.get(f"/api/evidence/receptions/{rec['id']}").json()
        if not ev.get("verified"):
            problems.append(f"recording not verified at central: {ev.get('problems')}")
        summary += (
            f" segments={len(ev.get('segments', []))} recording_verified={ev.get('verified')}"
        )
        if args.evidence_out is not None:
            out = str(args.evidence_out)
            ex = subprocess.run(
                _zhifang("evidence", "export", rec["id"], "--out", out), env=env, check=False
            )
            if ex.returncode != 0:
                problems.append("evidence export failed")
            else:
                check = subprocess.run(
                    _zhifang("evidence", "verify", out), env=env, check=False,
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
                if check.returncode != 0:
                    problems.append("the exported evidence bundle does not verify")
                summary += f" bundle={out}(verified offline)"
        if problems:
            raise DemoError("; ".join(problems) + f" ({summary})")
        print(summary)
        print(f"zhifang demo: console at {url}/console/ (login demo-leader / {password})")
        if args.once:
            return 0
        print("zhifang demo: running; press Ctrl-C to stop")

        def interrupted(*_: object) -> None:  # SIGTERM (kill, a service manager) = Ctrl-C
            raise KeyboardInterrupt

        for sig in (signal.SIGINT, signal.SIGTERM):  # also where a parent ignored SIGINT
            signal.signal(sig, interrupted)
        try:
            while central.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nzhifang demo: stopping")
            ctrl_c.append(True)
            return 0
        if central.returncode == 0:  # Ctrl-C reached central first: a clean stop
            print("zhifang demo: central stopped; stopping")
            return 0
        raise DemoError(f"central exited with code {central.returncode}")
    finally:
        stop_all()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
