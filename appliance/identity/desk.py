"""Consent, deletion and template sharing at one desk, reported to central as events.

``DeskIdentity`` is what the touchscreen calls:

* ``give_consent`` — signed ``ConsentRecord`` stored, then ``consent.recorded`` event;
* ``delete_person`` — templates and consents deleted in one transaction, then
  ``biometric.deleted`` event; central relays it to every other desk of the site;
* ``expire`` — the daily retention sweep, reported the same way;
* ``share`` / ``pull_shared`` — a person enrolled here made usable at the site's other
  desks through central's relay (sealed end to end under the site's template key);
* ``handle_biometric_delete`` — the ``biometric_delete`` command from central
  (install with ``install(forwarder)``): applies the deletion, idempotently, and acks.

The store queues each report in the same transaction as the change; ``report()``
moves the queue into the outbox, so a crash in between only delays the event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from appliance.identity import consent as consent_mod
from appliance.identity.relay import (
    RelayError,
    TemplateRelay,
    open_transfer,
    seal_transfer,
)
from appliance.identity.templates import (
    DeletionKind,
    DeletionNotice,
    TemplateError,
    TemplateStore,
)
from protocol.messages import BiometricDelete, BiometricDeleted, Body, Command, CommandAck
from protocol.messages import ConsentRecorded as ConsentRecordedBody

log = logging.getLogger(__name__)

__all__ = ["DeskIdentity", "PullResult"]

RELAY_CURSOR = "relay_after"


class _Sink(Protocol):
    def append(self, body: Body) -> Any: ...


class _CommandRegistry(Protocol):
    def register_handler(self, name: str, fn: Callable[[Command], CommandAck]) -> None: ...


@dataclass
class PullResult:
    imported: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (person, why)


class DeskIdentity:
    def __init__(
        self,
        *,
        store: TemplateStore,
        outbox: _Sink,
        device_key: Ed25519PrivateKey,
        site: str,
        clock_ms: Callable[[], int],
        relay: TemplateRelay | None = None,
    ) -> None:
        self.store, self.outbox, self.relay = store, outbox, relay
        self._key, self.site, self._clock = device_key, site, clock_ms
        self._reporting = threading.Lock()  # the UI and a restart must not report twice

    def install(self, forwarder: _CommandRegistry) -> None:
        """Serve ``biometric_delete`` and send anything left unreported by a crash."""
        forwarder.register_handler(BiometricDelete.NAME, self.handle_biometric_delete)
        self.report()

    # consent ---------------------------------------------------------------------------
    def give_consent(
        self,
        *,
        person_id: str,
        scopes: list[consent_mod.Scope],
        officer_id: str,
        reception_id: str | None = None,
        text: consent_mod.ConsentText = consent_mod.DEFAULT_TEXT,
    ) -> consent_mod.ConsentRecord:
        """The person agreed on the touchscreen: signed record stored, then reported."""
        rec = consent_mod.record(
            person_id=person_id,
            text=text,
            scopes=scopes,
            officer_id=officer_id,
            now_ms=self._clock(),
            device_key=self._key,
        )
        self.store.add_consent(rec, reception_id=reception_id)
        self.report()
        return rec

    # deletion --------------------------------------------------------------------------
    def delete_person(
        self, person_id: str, *, officer_id: str, reason: DeletionKind = "request", note: str = ""
    ) -> DeletionNotice:
        """Deletion on request (or consent withdrawn): this desk at once, then central
        and every other desk of the site through the ``biometric.deleted`` event."""
        notice = self.store.delete_person(
            person_id, officer_id=officer_id, reason=note or reason, kind=reason
        )
        self.report()
        return notice

    def expire(self, *, idle_ms: int) -> list[DeletionNotice]:
        notices = self.store.expire(idle_ms=idle_ms)
        self.report()
        return notices

    def handle_biometric_delete(self, cmd: Command) -> CommandAck:
        """Central relays a deletion made at another desk. Applying it twice, or for a
        person never held here, is harmless; the ack says which it was."""
        try:
            req = BiometricDelete.model_validate(cmd.body)
        except ValidationError as e:
            return CommandAck(cmd_id=cmd.cmd_id, ok=False, detail=f"bad body: {e}"[:200])
        notice = DeletionNotice(
            req.person_id, req.deleted_at, req.officer_id, f"{req.reason} ({req.origin_device})"
        )
        try:
            held = self.store.apply_deletion(notice)
        except Exception as e:  # the store failed: central keeps the command and retries
            log.exception("biometric_delete %s failed", cmd.cmd_id)
            return CommandAck(cmd_id=cmd.cmd_id, ok=False, detail=f"store failed: {e}"[:200])
        log.info("biometric_delete %s: %s deleted (held: %s)", cmd.cmd_id, req.person_id, held)
        return CommandAck(cmd_id=cmd.cmd_id, ok=True, detail="deleted" if held else "not held")

    # reports ---------------------------------------------------------------------------
    def report(self) -> int:
        """Put every queued consent / deletion report into the outbox; returns how many."""
        n = 0
        with self._reporting:
            for kind, key, payload in self.store.unreported():
                body = self._body(kind, key, payload)
                if body is not None:
                    self.outbox.append(body)
                    n += 1
                self.store.mark_reported(kind, key)
        return n

    def _body(self, kind: str, key: str, p: dict[str, Any]) -> Body | None:
        if kind == "consent":
            rec = self.store.consent(key)
            if rec is None:  # deleted before it could be reported: the deletion says it
                return None
            return ConsentRecordedBody(
                consent_id=rec.consent_id,
                person_id=rec.person_id,
                reception_id=p.get("reception_id"),
                officer_id=rec.officer_id,
                text_version=rec.text_version,
                text_sha256=rec.text_sha256,
                scopes=list(rec.scopes),
                given_at=rec.given_at,
            )
        if kind == "deletion":
            reason = str(p.get("reason", ""))
            return BiometricDeleted(
                person_id=p["person_id"],
                officer_id=p["officer_id"] or "system",
                deleted_at=p["deleted_at"],
                reason=p["kind"],
                note="" if reason == p["kind"] else reason[:200],
            )
        log.error("unknown report kind %r dropped", kind)
        return None

    # sharing between desks -----------------------------------------------------------------
    def share(self, person_id: str) -> int:
        """Send a person enrolled here to the site's other desks (through central)."""
        if self.relay is None:
            raise RelayError("no relay configured: templates stay on this desk")
        sealed = seal_transfer(
            self.store, self.store.export_person(person_id), site=self.site, now_ms=self._clock()
        )
        return self.relay.push(sealed)

    def pull_shared(self, limit: int = 100) -> PullResult:
        """Import what other desks shared since the last pull (call now and then)."""
        if self.relay is None:
            raise RelayError("no relay configured")
        out = PullResult()
        after = int(self.store.get_meta(RELAY_CURSOR) or 0)
        for item in self.relay.fetch(after, limit):
            try:
                self.store.import_person(open_transfer(self.store, item, site=self.site))
                out.imported.append(item.person_id)
            except (TemplateError, ValueError) as e:
                log.warning("shared template %d for %s refused: %s", item.id, item.person_id, e)
                out.refused.append((item.person_id, str(e)))
            after = max(after, item.id)
            self.store.set_meta(RELAY_CURSOR, str(after))
        return out
