"""Forward the outbox to the broker, and serve central's commands.

All decisions happen on one thread (``run_pending``): the transport's callbacks only
queue what happened. An event is marked acknowledged only on a PUBACK whose reason
code is a success (< 128). A failure (135 not authorised, 128 unspecified, …) is
logged as an error, counted, and the event goes back to pending; the forwarder then
holds off for ``retry_rejected_s`` and probes with one event at a time until one is
accepted, so a refusing broker is neither hammered nor flooded in the logs.

PUBACK 16 (no matching subscribers) is a success to MQTT but means nobody got the
event: central's ingest session is not on the broker (a broker that lost its state,
or central never started). Acknowledging it would lose the event, so it stays
pending and is offered again after ``retry_rejected_s``, one at a time, until central
is listening again.

Commands: ``resend`` is built in; other commands are served by handlers given as
``handlers={name: fn}`` or ``register_handler(name, fn)``, ``fn(Command) -> CommandAck``,
run on the forwarder thread. A handler that raises is answered with a refusal ack (the
command is not lost: central keeps it unacknowledged and sends it again).

Every command must be signed by central's command key, one of ``command_keys`` (pinned
from the provisioning bundle), addressed to this box and this command, and fresh
(``protocol.control.verify_command``). Anything else is refused, counted and logged,
and not answered: a forger learns nothing, and central sends a genuine command again.
The box signs its own status (retained, and the last will) and every ack with its
device key, so central can tell them from forgeries.

What the box cannot see: a broker that drops a refused publish but still answers
success (MQTT 3.1.1, or some Mosquitto ACL set-ups). Central's seq-gap detection and
``resend`` command are the safety net for that; the refusal then shows up at central.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from protocol import control, topics
from protocol.errors import MalformedMessage
from protocol.messages import Command, CommandAck, ResendRequest

from .outbox import Outbox, OutboxError
from .transport import NO_MATCHING_SUBSCRIBERS, Message, Transport

log = logging.getLogger(__name__)

PRUNE_EVERY_S = 3600.0
COMMAND_MAX_AGE_S = 24 * 3600.0  # central re-issues what a box missed with a fresh time

CommandHandler = Callable[[Command], CommandAck]


@dataclass
class ForwarderStats:
    connected: bool = False
    session_present: bool = False  # the broker kept our session from before
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    acked: int = 0
    rejected: int = 0  # PUBACK with a failure code, any
    not_authorised: int = 0  # of which 135
    no_subscribers: int = 0  # PUBACK 16: nobody listening yet; kept pending
    last_error: str = ""
    commands_served: int = 0
    commands_refused: int = 0
    commands_untrusted: dict[str, int] = field(default_factory=dict)  # reason → count
    commands_repeated: int = 0  # delivered again after being answered: ack sent again
    status_rejected: int = 0
    by_code: dict[int, int] = field(default_factory=dict)


class Forwarder:
    def __init__(
        self,
        *,
        outbox: Outbox,
        transport: Transport,
        site: str,
        device: str,
        window: int = 100,
        retry_rejected_s: float = 10.0,
        retention_ms: int = 30 * 24 * 3600 * 1000,
        version: str = "",
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        handlers: Mapping[str, CommandHandler] | None = None,
        key: Ed25519PrivateKey | None = None,
        command_keys: Sequence[Ed25519PublicKey] = (),
        command_max_age_s: float = COMMAND_MAX_AGE_S,
    ) -> None:
        self.outbox, self.transport = outbox, transport
        self._key = key or outbox.key  # the device key: status and acks are signed with it
        self._command_keys = tuple(command_keys)  # central's, pinned from the bundle
        self._command_max_age_ms = int(command_max_age_s * 1000)
        self._will_ts = 0  # the last will's time; the online status after it reuses it
        self.site, self.device = site, device
        self.window, self.retry_rejected_s = window, retry_rejected_s
        self.retention_ms, self.version = retention_ms, version
        self._clock, self._wall_ms = clock, wall_ms
        self.event_topic = topics.event_topic(site, device)
        self.status_topic = topics.status_topic(site, device)
        self.stats = ForwarderStats()
        self._inbox: queue.SimpleQueue[tuple[str, tuple[Any, ...]]] = queue.SimpleQueue()
        self._inflight: dict[int, int] = {}  # mid → seq
        self._other: dict[int, str] = {}  # mid → what (status, command ack)
        self._connected = False
        self._hold_until = 0.0
        self._probing = False  # after a refusal: one event at a time until one succeeds
        self._next_prune = 0.0
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, CommandHandler] = {}
        for name, fn in (handlers or {}).items():
            self.register_handler(name, fn)
        outbox.add_listener(self.notify)
        if not self._command_keys:
            log.error(
                "no central command key pinned (central_command_keys in box.toml): every "
                "command from central will be refused, resend requests included"
            )

    def register_handler(self, name: str, fn: CommandHandler) -> None:
        """Serve command ``name`` with ``fn(Command) -> CommandAck`` (forwarder thread)."""
        topics.check_name("command", name)
        if name == ResendRequest.NAME:
            raise ValueError("resend is built in and cannot be replaced")
        self._handlers[name] = fn

    # --- lifecycle --------------------------------------------------------------------

    def start(self, *, threaded: bool = True) -> None:
        """Connect; with ``threaded=False`` the caller drives ``run_pending()`` (tests)."""
        self.transport.start(self, self._will)
        if threaded:
            self._thread = threading.Thread(target=self._run, name="forwarder", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self.notify()
        if self._thread is not None:
            self._thread.join(timeout)
        self.transport.stop(final=self._status_message_offline(), timeout=timeout)
        self.run_pending()  # commit PUBACKs that came in while stopping (fewer repeats)

    def notify(self) -> None:
        """Something changed (new events, a requeue): wake the forwarder."""
        self._inbox.put(("wake", ()))

    # --- TransportEvents (transport thread): queue only --------------------------------

    def on_connected(self, session_present: bool) -> None:
        self._inbox.put(("connected", (session_present,)))

    def on_disconnected(self, reason: str) -> None:
        self._inbox.put(("disconnected", (reason,)))

    def on_puback(self, mid: int, reason_code: int, reason: str) -> None:
        self._inbox.put(("puback", (mid, reason_code, reason)))

    def on_message(self, topic: str, payload: bytes) -> None:
        self._inbox.put(("message", (topic, payload)))

    # --- the forwarder thread ---------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            wait = 1.0
            if self._hold_until:
                wait = max(0.01, min(wait, self._hold_until - self._clock()))
            try:
                first = self._inbox.get(timeout=wait)
            except queue.Empty:
                first = None
            try:
                self.run_pending(first)
            except Exception:  # keep forwarding; the outbox still holds everything
                log.exception("forwarder step failed")

    def run_pending(self, first: tuple[str, tuple[Any, ...]] | None = None) -> None:
        """Handle everything queued so far, commit the acks at once, then send more."""
        items = [] if first is None else [first]
        while True:
            try:
                items.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        acked: list[int] = []
        for kind, args in items:
            if kind == "puback":
                seq = self._puback(*args)
                if seq is not None:
                    acked.append(seq)
            elif kind == "connected":
                self._commit_acks(acked)  # keep the order: acks before the new connection
                acked = []
                self._connected_now(args[0])
            elif kind == "disconnected":
                self._connected = False
                self.stats.connected = False
                self.stats.disconnects += 1
                if self._stopping.is_set():
                    log.info("disconnected from broker: %s", args[0])
                else:
                    log.warning("broker connection lost: %s", args[0])
            elif kind == "message":
                self._command(*args)
        self._commit_acks(acked)
        if self._connected and self._clock() >= self._next_prune:
            self._next_prune = self._clock() + PRUNE_EVERY_S
            n = self.outbox.prune(retention_ms=self.retention_ms)
            if n:
                log.info("pruned %d acknowledged events past retention", n)
        self._pump()

    def _commit_acks(self, seqs: list[int]) -> None:
        if seqs:
            self.outbox.mark_acked(seqs)
            self.stats.acked += len(seqs)

    def _connected_now(self, session_present: bool) -> None:
        self._connected = True
        self.stats.connected = True
        self.stats.session_present = session_present
        self.stats.connects += 1
        log.info("connected to broker (session present: %s)", session_present)
        self.transport.subscribe(topics.device_commands_filter(self.site, self.device), qos=1)
        mid = self.transport.publish(self._status_message("online", self._will_ts or None))
        self._other[mid] = "status"

    def _puback(self, mid: int, code: int, reason: str) -> int | None:
        seq = self._inflight.pop(mid, None)
        what = self._other.pop(mid, None)
        if code == NO_MATCHING_SUBSCRIBERS and seq is not None:
            self.stats.no_subscribers += 1
            log.warning(
                "no subscriber for event seq %d (is central's ingest running?); "
                "kept pending, retry in %.0f s", seq, self.retry_rejected_s,
            )  # fmt: skip
            self.outbox.mark_pending([seq])
            self._hold_until = self._clock() + self.retry_rejected_s
            self._probing = True
            return None
        if code < 128:
            if seq is not None:
                self._probing = False
            return seq
        self.stats.by_code[code] = self.stats.by_code.get(code, 0) + 1
        if seq is None:
            if what == "status":
                self.stats.status_rejected += 1
            log.error("broker refused our %s: %s (%d)", what or f"message {mid}", reason, code)
            return None
        self.stats.rejected += 1
        if code == 135:
            self.stats.not_authorised += 1
        self.stats.last_error = f"seq {seq}: {reason} ({code})"
        log.error(
            "broker refused event seq %d: %s (%d); kept pending, retry in %.0f s",
            seq, reason, code, self.retry_rejected_s,
        )  # fmt: skip
        self.outbox.mark_pending([seq])
        self._hold_until = self._clock() + self.retry_rejected_s
        self._probing = True
        return None

    def _pump(self) -> None:
        if not self._connected or self._stopping.is_set():
            return
        if self._hold_until:
            if self._clock() < self._hold_until:
                return
            self._hold_until = 0.0
        window = 1 if self._probing else self.window
        while (room := window - len(self._inflight)) > 0:
            batch = self.outbox.take_pending(room)
            if not batch:
                return
            for ev in batch:
                try:
                    mid = self.transport.publish(Message(self.event_topic, ev.wire, qos=1))
                except OSError as e:
                    log.error("could not hand seq %d to the broker connection: %s", ev.seq, e)
                    self.outbox.mark_pending([ev.seq] + [b.seq for b in batch if b.seq > ev.seq])
                    return
                self._inflight[mid] = ev.seq
                self.stats.published += 1

    # --- commands from central -----------------------------------------------------

    def _command(self, topic: str, payload: bytes) -> None:
        try:
            t = topics.parse_topic(topic)
        except MalformedMessage as e:
            log.error("ignored message on unexpected topic %r: %s", topic, e)
            return
        if (t.site, t.device, t.stream, t.ack) != (self.site, self.device, "cmd", False):
            log.error("ignored message on topic %r: not a command for this box", topic)
            return
        name = t.command or ""
        try:
            cmd = control.verify_command(
                payload,
                site=self.site,
                device=self.device,
                command=name,
                pinned=self._command_keys,
                now_ms=self._wall_ms(),
                max_age_ms=self._command_max_age_ms,
            )
        except control.ControlError as e:
            # not from central, or not now: never carried out, never answered
            self.stats.commands_refused += 1
            counts = self.stats.commands_untrusted
            counts[e.reason] = counts.get(e.reason, 0) + 1
            log.error("refused %r command (%s): %s", name, e.reason, e)
            return
        before = self.outbox.answered(name, cmd.cmd_id)
        if before is not None:  # delivered again: answered again, not carried out again
            self.stats.commands_repeated += 1
            log.warning("command %r (cmd_id %s) was answered before: ack sent again", name,
                        cmd.cmd_id)  # fmt: skip
            self._ack(name, before)
            return
        handler = self._handlers.get(name)
        if handler is not None:
            self._serve(name, cmd, handler)
            return
        if name != ResendRequest.NAME:
            self.stats.commands_refused += 1
            log.error("unknown command %r (cmd_id %s)", name, cmd.cmd_id)
            self._answer(
                name, cmd, CommandAck(cmd_id=cmd.cmd_id, ok=False, detail=f"unknown command {name}")
            )
            return
        try:
            req = ResendRequest.model_validate(cmd.body)
            queued, missing = self.outbox.requeue(req.from_seq, req.to_seq)
        except (ValidationError, OutboxError) as e:
            self.stats.commands_refused += 1
            log.error("bad resend request %s: %s", cmd.cmd_id, e)
            self._answer(name, cmd, CommandAck(cmd_id=cmd.cmd_id, ok=False, detail=str(e)[:200]))
            return
        self.stats.commands_served += 1
        detail = f"queued {queued}"
        if missing:
            gone = ", ".join(f"{a}..{b}" for a, b in missing)
            detail = f"{detail}; not held: {gone}"[:200]
            log.warning(
                "resend %s: seq %s no longer held (past retention or never made)", cmd.cmd_id, gone
            )
        log.info("resend %s: %d..%d, %s", cmd.cmd_id, req.from_seq, req.to_seq, detail)
        self._answer(name, cmd, CommandAck(cmd_id=cmd.cmd_id, ok=not missing, detail=detail))

    def _serve(self, name: str, cmd: Command, handler: CommandHandler) -> None:
        try:
            ack = handler(cmd)
        except Exception as e:  # a failing handler must not stop the forwarder
            log.exception("command %r (cmd_id %s) failed", name, cmd.cmd_id)
            ack = CommandAck(cmd_id=cmd.cmd_id, ok=False, detail=f"failed: {e}"[:200])
        if ack.cmd_id != cmd.cmd_id:  # a handler bug must not ack another command
            ack = CommandAck(cmd_id=cmd.cmd_id, ok=False, detail="handler answered another cmd_id")
        if ack.ok:
            self.stats.commands_served += 1
        else:
            self.stats.commands_refused += 1
        self._answer(name, cmd, ack)

    def _answer(self, name: str, cmd: Command, ack: CommandAck) -> None:
        """Remember the answer (a command delivered again gets it again), then send it.
        Kept while the command could still pass as fresh: its age limit and the skew."""
        keep_ms = self._command_max_age_ms + control.MAX_SKEW_MS
        self.outbox.remember_answer(name, cmd, ack, keep_ms=keep_ms)
        self._ack(name, ack)

    def _ack(self, name: str, ack: CommandAck) -> None:
        topic = topics.command_ack_topic(self.site, self.device, name)
        signed = control.sign_ack(
            self._key, site=self.site, device=self.device, command=name, ack=ack,
            ts=self._wall_ms(),
        )  # fmt: skip
        mid = self.transport.publish(Message(topic, signed.to_wire(), qos=1))
        self._other[mid] = "command ack"

    # --- status -------------------------------------------------------------------

    def _status_message(self, state: str, ts: int | None = None) -> Message:
        status = control.sign_status(
            self._key,
            site=self.site,
            device=self.device,
            state=state,
            ts=self._wall_ms() if ts is None else ts,
            version=self.version,
            outbox_pending=self.outbox.pending_count(),
        )
        return Message(self.status_topic, status.to_wire(), qos=1, retain=True)

    def _status_message_offline(self) -> Message:
        return self._status_message("offline")

    def _will(self) -> Message:
        """The last will, made before each connection attempt. The online status that
        follows carries the same time, so central, which keeps the newest status (the
        later one on a tie), takes the will when the connection dies."""
        self._will_ts = self._wall_ms()
        return self._status_message("offline", self._will_ts)
