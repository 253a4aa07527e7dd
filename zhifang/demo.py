"""``zhifang demo``: a whole reception, simulated box → broker → central.

Central and the box run as separate processes of this same command line, exactly
as they would on two machines, and as production runs them: central in production
mode with its own secrets, the box registered with the site's provisioning
credential and signing every request with its device key, the outcome checked
through central's HTTP API by a console account that logged in.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from protocol.messages import RATING_ZH

from .demo_site import DEVICE, LEADER, DemoError, DemoSite, console_login, register_box


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


def _data_dir(args: argparse.Namespace) -> tuple[Path, str | None]:
    """The demo's folder, and the temporary one to remove afterwards (if any)."""
    if args.data_dir is not None:
        return args.data_dir.resolve(), None
    if args.once:
        temp = tempfile.mkdtemp(prefix="zhifang-demo-")
        return Path(temp), temp
    return Path("var/demo").resolve(), None


def _port(args: argparse.Namespace) -> int:
    port = args.port or _free_port()
    if _port_open("127.0.0.1", port):
        if args.port != 8000:
            raise DemoError(f"port {port} is already in use; pass --port 0 for a free one")
        port = _free_port()
    return port


def _cli(env: dict[str, str], *argv: str, stdin: str | None = None) -> str:
    """Run a ``zhifang`` command as the operator would; its output, or DemoError."""
    done = subprocess.run(
        _zhifang(*argv), env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DemoError(f"`zhifang {' '.join(argv[:3])}` failed: {done.stdout}{done.stderr}")
    return done.stdout


def _console_account(env: dict[str, str], demo: DemoSite) -> None:
    """The on-duty leader the demo prints the login of (made once per demo folder)."""
    marker = demo.data / "console-account-made"
    if marker.exists():
        return
    _cli(env, "central", "user", "add", LEADER, "--role", "leader", "--org", "*",
         "--display-name", "演示领导", "--on-duty", stdin=demo.password + "\n")  # fmt: skip
    marker.touch()


def _command_key(env: dict[str, str]) -> str:
    """Central's command key, made before central starts (so that only one process makes
    it): the box pins it and carries out only commands it signed."""
    return _cli(env, "central", "command-key", "show").strip().splitlines()[-1]


def _box_config(demo: DemoSite, url: str, args: argparse.Namespace, command_key: str) -> Path:
    box_dir = demo.data / "box"
    box_dir.mkdir(parents=True, exist_ok=True)
    config = box_dir / "box.toml"
    config.write_text(
        f'site = "{demo.site}"\ndevice = "{DEVICE}"\ndata_dir = "{box_dir.as_posix()}"\n'
        f'central_url = "{url}"\ncentral_command_keys = ["{command_key}"]\n\n'
        f'[mqtt]\nhost = "{args.mqtt_host}"\nport = {args.mqtt_port}\n'
        f'client_id = "zhifang-demo-box-{demo.run_id}"\n'
        # the demo's broker has no TLS: said so explicitly, and warned about at start
        "allow_plain_mqtt = true\n",
        encoding="utf-8",
    )
    return config


def _provision(env: dict[str, str], demo: DemoSite, config: Path, client: Any) -> None:
    """Make the box's key, and register it with a provisioning credential of the site
    (issued by central's operator, as `zhifang central provisioning issue` does)."""
    public_key = _cli(env, "appliance", "keygen", "--config", str(config)).strip().splitlines()[-1]
    token = demo.provisioning_token(
        lambda: _cli(
            env, "central", "provisioning", "issue", "--site", demo.site, "--label", "demo"
        ).strip()
    )
    register_box(client, token, site=demo.site, device=DEVICE, public_key=public_key)
    print(f"zhifang demo: box {demo.site}/{DEVICE} registered (key {public_key[:12]}…)")


def _receptions(client: Any) -> list[dict[str, Any]]:
    items = client.get("/api/receptions").json()
    return [x for x in items if x.get("device") in (None, DEVICE)]


def _simulate(env: dict[str, str], config: Path, timeout: float) -> None:
    box = subprocess.run(
        _zhifang("appliance", "run", "--config", str(config), "--simulate", "1",
                 "--exit-when-drained", "--drain-timeout", str(timeout)),
        env=env, check=False,
    )  # fmt: skip
    if box.returncode != 0:
        raise DemoError(f"the simulated box exited with code {box.returncode}")


def _check(client: Any, rec: dict[str, Any], quarantined_before: int) -> tuple[str, list[str]]:
    """The summary line, and what is wrong with this run's reception (nothing, we hope)."""
    stats = client.get("/api/stats").json()
    events = stats.get("events")
    new_junk = int(stats.get("quarantined", 0)) - quarantined_before
    summary = (
        f"zhifang demo: ok receptions={stats.get('receptions')} events={events} "
        f"rating={rec['rating']}({RATING_ZH.get(rec['rating'], '?')}) "
        f"quarantined={new_junk} reception={rec['id']}"
    )
    problems = []
    if not events or int(events) < 5:
        problems.append(f"expected at least 5 events, central has {events}")
    if new_junk:
        problems.append(f"{new_junk} message(s) of this run quarantined")
    matter, trouble = _matter(client, rec["id"])
    summary += f" matter={matter}"
    problems += trouble
    ev = client.get(f"/api/evidence/receptions/{rec['id']}").json()
    if not ev.get("verified"):
        problems.append(f"recording not verified at central: {ev.get('problems')}")
    summary += f" segments={len(ev.get('segments', []))} recording_verified={ev.get('verified')}"
    return summary, problems


RUNNING = ("running", "due_soon")


def _matter(client: Any, reception_id: str) -> tuple[str, list[str]]:
    """The matter this reception opened (its 文号 and running clocks), or what is wrong:
    the console must show the demo's reception as a matter whose clocks run."""
    steps = client.get(f"/api/receptions/{reception_id}").json().get("steps", [])
    refs = {s["matter_ref"] for s in steps if s.get("matter_ref")}
    if len(refs) != 1:
        return "none", [f"the reception's steps name {len(refs)} matter(s), expected 1"]
    r = client.get(f"/api/matters/{refs.pop()}")
    if r.status_code != 200:
        return "none", [f"the reception's matter is not at central (HTTP {r.status_code})"]
    m = r.json()
    running = [c for c in m.get("clocks", []) if c.get("state") in RUNNING]
    if not running:
        return m.get("ref_no") or m["id"], ["the reception's matter has no running clock"]
    return f"{m.get('ref_no') or m['id']}(clocks_running={len(running)})", []


def _export(env: dict[str, str], reception_id: str, out: Path) -> tuple[str, list[str]]:
    ex = subprocess.run(
        _zhifang("evidence", "export", reception_id, "--out", str(out)), env=env, check=False
    )
    if ex.returncode != 0:
        return "", ["evidence export failed"]
    check = subprocess.run(
        _zhifang("evidence", "verify", str(out)), env=env, check=False, stdout=subprocess.DEVNULL
    )
    if check.returncode != 0:
        return "", ["the exported evidence bundle does not verify"]
    return f" bundle={out}(verified offline)", []


def _run(args: argparse.Namespace) -> int:
    if not _port_open(args.mqtt_host, args.mqtt_port):
        raise DemoError(
            f"no MQTT broker answers at {args.mqtt_host}:{args.mqtt_port}; "
            "`make demo` starts one (scripts/ensure-broker.sh)"
        )
    data, temp = _data_dir(args)
    demo = DemoSite.open(data)
    port = _port(args)
    url = f"http://127.0.0.1:{port}"
    env = demo.central_env(
        port=port, url=url, mqtt_host=args.mqtt_host, mqtt_port=args.mqtt_port, once=args.once
    )
    procs: list[subprocess.Popen[bytes]] = []
    ctrl_c: list[bool] = []  # set when the user stopped us: central got Ctrl-C as well
    try:
        command_key = _command_key(env)
        print(f"zhifang demo: central on {url} (SQLite under {data / 'central'})")
        central = subprocess.Popen(_zhifang("central", "serve"), env=env)
        procs.append(central)
        client = _signed_in_console(env, demo, url, args.timeout, central)
        summary = _one_reception(env, demo, url, args, command_key, client, central)
        print(summary)
        print(f"zhifang demo: console at {url}/console/ (login {LEADER} / {demo.password})")
        if args.once:
            return 0
        return _serve_until_stopped(central, ctrl_c)
    finally:
        _stop_all(procs, ctrl_c)
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


def _signed_in_console(
    env: dict[str, str],
    demo: DemoSite,
    url: str,
    timeout: float,
    central: subprocess.Popen[bytes],
) -> Any:
    """Once central answers: the demo's leader account, and a client signed in with it."""
    import httpx

    client = httpx.Client(base_url=url, timeout=5)
    _wait("central to answer /healthz",
          lambda: client.get("/healthz").status_code == 200, timeout, central)  # fmt: skip
    _console_account(env, demo)
    console_login(client, LEADER, demo.password)
    return client


def _one_reception(
    env: dict[str, str],
    demo: DemoSite,
    url: str,
    args: argparse.Namespace,
    command_key: str,
    client: Any,
    central: subprocess.Popen[bytes],
) -> str:
    """A box provisioned, one simulated reception through it, and what central made of
    it checked: the summary line (``DemoError`` with what is wrong)."""
    config = _box_config(demo, url, args, command_key)
    _provision(env, demo, config, client)
    earlier = {x["id"] for x in _receptions(client)}  # a second run of the same demo
    quarantined_before = int(client.get("/api/stats").json().get("quarantined", 0))
    _simulate(env, config, args.timeout)

    def reception_done() -> dict[str, Any] | None:
        done = [
            x for x in _receptions(client)
            if x["id"] not in earlier and x.get("ended_at") and x.get("rating")
        ]  # fmt: skip
        return done[0] if done else None

    rec = _wait("the reception, ended and rated, at central", reception_done, args.timeout, central)
    summary, problems = _check(client, rec, quarantined_before)
    if args.evidence_out is not None:
        more, failed = _export(env, rec["id"], args.evidence_out)
        summary, problems = summary + more, problems + failed
    if problems:
        raise DemoError("; ".join(problems) + f" ({summary})")
    return summary


def _serve_until_stopped(central: subprocess.Popen[bytes], ctrl_c: list[bool]) -> int:
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


def _stop_all(procs: list[subprocess.Popen[bytes]], ctrl_c: list[bool]) -> None:
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
