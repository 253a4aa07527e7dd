"""The ingest decision, without I/O of its own: bytes from a topic → stored or quarantined.

``Ingestor.process(batch)`` handles a list of messages in ONE transaction: every
accepted event is inserted together with its projections and seq bookkeeping, every
rejected message gets a quarantine row with its reason. The caller acknowledges the
messages to the broker only after ``process`` returns, so a crash at any point leaves
the batch either committed or not at all, and the broker redelivers the rest;
redelivered events are recognised by ``event_id`` and are a no-op.

Quarantine reasons: the ``reason`` of the protocol error (``too_large``, ``not_utf8``,
``not_json``, ``duplicate_key``, ``not_object``, ``bad_envelope``, ``unknown_type``,
``unsupported_schema``, ``bad_body``, ``bad_topic``), and ``device_mismatch``,
``unknown_device``, ``revoked_device``, ``wrong_site``, ``bad_signature``,
``seq_conflict``, ``event_id_conflict``, ``bad_status``, ``bad_ack``, ``bad_time``,
``foreign_reception`` (an authentic event about another box's reception: stored in
``event`` as the record of what was said, not applied); and, for a message that cannot
be stored at all (so that it does not block the stream), ``db_rejected`` /
``internal_error``.

Statuses and command acks count only when signed by the box's registered key
(``control.py``); unsigned or forged ones are ignored and counted (``unsigned_status``,
``forged_status``, ``unsigned_ack``, ``forged_ack``), never quarantined: a retained
status comes back at every reconnect. Payloads are kept sealed, bodies without the ID
number in clear, details scrubbed (``at_rest.py``); the quarantine stays bounded
(``quarantine.py``).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select, tuple_
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from central.db import from_ms, utcnow
from central.devices.models import Device
from central.publisher import CommandPublisher
from central.workflow.config import WorkflowConfig
from protocol import keys, topics
from protocol.envelope import Envelope, decode
from protocol.errors import ProtocolError
from protocol.messages import Body

from . import at_rest, sequence
from . import control as controls
from . import quarantine as quarantine_
from .models import Event, Quarantine
from .projection import IdKeys, Projector
from .quarantine import QuarantinePolicy

log = logging.getLogger(__name__)

PRUNE_AFTER_FRACTION = 16  # prune once 1/16 of max_bytes was quarantined since the last time
MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the last a datetime can hold
_CHUNK = 500
_RETRIES = 5


class Outcome(StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"
    STATUS = "status"
    ACK = "ack"
    IGNORED = "ignored"


_SIGNED_OUTCOME = {"status": Outcome.STATUS, "ack": Outcome.ACK, "ignored": Outcome.IGNORED}


@dataclass(frozen=True, slots=True)
class Incoming:
    topic: str
    payload: bytes
    received_at: datetime


@dataclass
class IngestStats:
    stored: int = 0
    duplicates: int = 0
    statuses: int = 0
    acks: int = 0
    ignored: int = 0
    batches: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    untrusted: Counter[str] = field(default_factory=Counter)  # statuses and acks ignored


@dataclass
class _Rejected:
    reason: str
    detail: str
    device: str | None = None


@dataclass
class _Batch:
    """Working state of one transaction; thrown away if it rolls back."""

    outcomes: list[Outcome | None]
    rejected: dict[int, _Rejected] = field(default_factory=dict)
    accepted: dict[int, tuple[Envelope, Body]] = field(default_factory=dict)
    untrusted: Counter[str] = field(default_factory=Counter)  # reason → statuses/acks ignored
    untrusted_bytes: Counter[str] = field(default_factory=Counter)
    quarantined_bytes: int = 0


class Ingestor:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        id_keys: IdKeys,
        clock: Callable[[], datetime] = utcnow,
        publisher: CommandPublisher | None = None,
        quarantine: QuarantinePolicy | None = None,
        config: WorkflowConfig | None = None,
    ) -> None:
        self._sessions = sessions
        # the site's rules for the matters desk steps open; the runner passes the site's
        # files (WorkflowConfig.from_settings), a test may leave the shipped defaults
        self._config = config or WorkflowConfig()
        self._id_keys = id_keys
        self._payload_key = at_rest.payload_key(id_keys.enc_key)
        self._policy = quarantine or QuarantinePolicy()
        self._since_prune = 0  # bytes quarantined since the last prune
        self._publisher = publisher  # commands that events cause (biometric_delete)
        self._clock = clock
        self._keys_cache: dict[str, keys.Ed25519PublicKey] = {}
        self._lock = threading.Lock()
        self.stats = IngestStats()

    # --- public ---------------------------------------------------------------

    def process(self, batch: Sequence[Incoming]) -> list[Outcome]:
        """Store ``batch`` in one transaction; returns one outcome per message.

        Raises ``OperationalError`` when the database is unavailable or locked: nothing
        was stored and the caller retries the same batch later.
        """
        if not batch:
            return []
        try:
            return self._commit(batch)
        except OperationalError:
            raise
        except IntegrityError:
            # another worker stored one of these first (shared subscription, redelivery):
            # redo one message per transaction; the retry sees its row as a duplicate
            log.info("batch of %d conflicted with a concurrent writer; redoing singly", len(batch))
        except Exception:
            # one message the database or our code cannot take must not block the rest
            log.exception("batch of %d failed; redoing one message at a time", len(batch))
        return [self._commit_single(item) for item in batch]

    # --- transactions -----------------------------------------------------------

    def _commit(self, batch: Sequence[Incoming]) -> list[Outcome]:
        with self._sessions.begin() as s:
            state = self._decide(s, batch)
        outcomes = [o if o is not None else Outcome.IGNORED for o in state.outcomes]
        self._count(state, outcomes)
        if state.rejected:
            self._after_quarantine(state.quarantined_bytes)
        return outcomes

    def _after_quarantine(self, added: int) -> None:
        """Keep the quarantine bounded and say when it fills fast. Its own transaction:
        the batch is committed already and must not wait for this."""
        with self._lock:
            self._since_prune += added
            due = self._since_prune >= self._policy.max_bytes // PRUNE_AFTER_FRACTION
            if due:
                self._since_prune = 0
        try:
            self.maintain(prune=due)
        except Exception:  # a missed prune or alert is retried next time; ingest goes on
            log.exception("quarantine upkeep failed; will retry")

    def maintain(self, *, prune: bool = True) -> None:
        """Prune the quarantine (age, then size) and check its rate. The runner calls
        this now and then; a batch that quarantined much calls it at once."""
        now = self._clock()
        with self._sessions.begin() as s:
            if prune:
                quarantine_.prune(s, now=now, policy=self._policy)
            quarantine_.flood_check(s, now=now, policy=self._policy)

    def _commit_single(self, item: Incoming) -> Outcome:
        error: Exception | None = None
        for _ in range(_RETRIES):
            try:
                return self._commit([item])[0]
            except OperationalError:
                raise
            except IntegrityError as e:  # a concurrent writer again: look once more
                error = e
            except Exception as e:
                error = e
                break
        # a poison message: keep it in quarantine rather than block the stream behind it
        reason = "db_rejected" if isinstance(error, DBAPIError) else "internal_error"
        log.error(
            "cannot store message on %s (%s): %s",
            at_rest.scrub(item.topic), reason, at_rest.scrub(str(error)),
        )  # fmt: skip
        rejected = _Rejected(reason, f"{type(error).__name__}: {error}", _device_of(item.topic))
        with self._sessions.begin() as s:
            row = self._quarantine_row(item, rejected)
            s.add(row)
            quarantine_.add_counts(
                s, now=item.received_at, kind=quarantine_.QUARANTINED, messages={reason: 1},
                sizes={reason: len(item.payload)},
            )  # fmt: skip
        with self._lock:
            self.stats.quarantined[reason] += 1
        self._after_quarantine(len(row.payload))
        return Outcome.QUARANTINED

    def _count(self, state: _Batch, outcomes: list[Outcome]) -> None:
        with self._lock:
            st = self.stats
            st.batches += 1
            for o in outcomes:
                if o is Outcome.STORED:
                    st.stored += 1
                elif o is Outcome.DUPLICATE:
                    st.duplicates += 1
                elif o is Outcome.STATUS:
                    st.statuses += 1
                elif o is Outcome.ACK:
                    st.acks += 1
                elif o is Outcome.IGNORED:
                    st.ignored += 1
            for r in state.rejected.values():
                st.quarantined[r.reason] += 1
            st.untrusted.update(state.untrusted)

    # --- the decision -------------------------------------------------------------

    def _decide(self, s: Session, batch: Sequence[Incoming]) -> _Batch:
        state = _Batch(outcomes=[None] * len(batch))
        envelopes: dict[int, tuple[Envelope, str]] = {}  # with the topic's site
        signed: dict[int, topics.Topic] = {}  # statuses and command acks
        for i, item in enumerate(batch):
            try:
                t = topics.parse_topic(item.topic)
                if t.stream == topics.STATUS or (t.stream == topics.CMD and t.ack):
                    signed[i] = t
                    continue
                if t.stream != topics.EVENT:
                    raise ProtocolError(f"not an event topic: {item.topic}", reason="bad_topic")
                env = decode(item.payload)
                if env.device != t.device:
                    state.rejected[i] = _Rejected(
                        "device_mismatch",
                        f"topic names device {t.device!r}, envelope {env.device!r}",
                        t.device,
                    )
                    continue
                envelopes[i] = (env, t.site)
            except ProtocolError as e:
                state.rejected[i] = _Rejected(e.reason, str(e), _device_of(item.topic))

        names = {e.device for e, _ in envelopes.values()} | {t.device for t in signed.values()}
        devices = _load_devices(s, names)
        for i, (env, site) in envelopes.items():
            try:
                state.accepted[i] = (env, self._check(env, site, devices.get(env.device)))
            except ProtocolError as e:
                state.rejected[i] = _Rejected(e.reason, str(e), env.device)

        self._store_events(s, batch, state)
        for i, t in signed.items():
            done = controls.handle(s, t, batch[i].payload, devices.get(t.device))
            if done.kind == "bad":
                state.rejected[i] = _Rejected(done.reason, done.detail, t.device)
                continue
            # unsigned or forged: ignored, and counted; a status once over all workers
            if done.reason and (
                t.stream != topics.STATUS
                or quarantine_.first_sighting(s, now=self._clock(), payload=batch[i].payload)
            ):
                state.untrusted[done.reason] += 1
                state.untrusted_bytes[done.reason] += len(batch[i].payload)
            state.outcomes[i] = _SIGNED_OUTCOME[done.kind]
        if state.rejected:
            reasons: Counter[str] = Counter()
            sizes: Counter[str] = Counter()
            for i, r in state.rejected.items():
                row = self._quarantine_row(batch[i], r)
                s.add(row)
                state.outcomes[i] = Outcome.QUARANTINED
                state.quarantined_bytes += len(row.payload) + len(row.detail)
                reasons[row.reason] += 1
                sizes[row.reason] += len(batch[i].payload)
                log.warning("quarantined message on %s: %s (%s)", row.topic, row.reason, row.detail)
            quarantine_.add_counts(
                s, now=self._clock(), kind=quarantine_.QUARANTINED, messages=reasons, sizes=sizes
            )
        if state.untrusted:
            quarantine_.add_counts(
                s, now=self._clock(), kind=quarantine_.IGNORED, messages=state.untrusted,
                sizes=state.untrusted_bytes,
            )  # fmt: skip
        return state

    def _check(self, env: Envelope, site: str, device: Device | None) -> Body:
        if device is None:
            raise ProtocolError(f"device {env.device!r} is not registered", reason="unknown_device")
        if device.revoked_at is not None:
            raise ProtocolError(
                f"device {env.device!r} was revoked at {device.revoked_at.isoformat()}",
                reason="revoked_device",
            )
        if device.site != site:
            raise ProtocolError(
                f"device {env.device!r} is registered at site {device.site!r}, "
                f"published under {site!r}",
                reason="wrong_site",
            )
        env.verify(self._public_key(device.public_key))
        body = env.parsed_body()
        times = [env.ts, *(getattr(body, f, 0) for f in ("started_at", "ended_at", "at"))]
        if max(times) > MAX_TIME_MS:
            raise ProtocolError(
                f"a time is after the year 9999: {max(times)} ms", reason="bad_time"
            )
        return body

    def _public_key(self, b64: str) -> keys.Ed25519PublicKey:
        key = self._keys_cache.get(b64)
        if key is None:
            key = self._keys_cache[b64] = keys.load_public_b64(b64)
        return key

    def _store_events(self, s: Session, batch: Sequence[Incoming], state: _Batch) -> None:
        if not state.accepted:
            return
        seq_rows = sequence.lock_rows(s, (env.device for env, _ in state.accepted.values()))
        existing_ids = _existing_by_event_id(
            s, [env.event_id for env, _ in state.accepted.values()]
        )
        existing_seqs = _existing_by_seq(s, [(e.device, e.seq) for e, _ in state.accepted.values()])
        seen_ids: dict[str, tuple[str, int]] = {}
        seen_seqs: dict[tuple[str, int], str] = {}
        rows: list[dict[str, object]] = []
        new: list[tuple[Envelope, Body]] = []
        index_of: dict[str, int] = {}  # event_id → position in the batch
        batch_devices = {i: env.device for i, (env, _) in state.accepted.items()}
        for i, (env, body) in sorted(state.accepted.items(), key=lambda kv: kv[1][0].seq):
            where = (env.device, env.seq)
            prior = existing_ids.get(env.event_id) or seen_ids.get(env.event_id)
            if prior is not None:
                if prior == where:
                    state.outcomes[i] = Outcome.DUPLICATE
                else:
                    state.rejected[i] = _Rejected(
                        "event_id_conflict",
                        f"event_id {env.event_id} already stored as {prior[0]} seq {prior[1]}",
                        env.device,
                    )
                continue
            other = existing_seqs.get(where) or seen_seqs.get(where)
            if other is not None:
                state.rejected[i] = _Rejected(
                    "seq_conflict",
                    f"{env.device} seq {env.seq} is already event {other}, not {env.event_id}",
                    env.device,
                )
                continue
            seen_ids[env.event_id] = where
            seen_seqs[where] = env.event_id
            rows.append(
                {
                    "event_id": env.event_id,
                    "device": env.device,
                    "seq": env.seq,
                    "ts": from_ms(env.ts),
                    "type": env.type,
                    "schema": env.schema_,
                    "body": at_rest.stored_body(env.body, hash_key=self._id_keys.hash_key),
                    "raw": at_rest.seal(
                        self._payload_key,
                        batch[i].payload,
                        context=at_rest.event_context(env.event_id),
                    ),
                    "received_at": batch[i].received_at,
                }
            )
            new.append((env, body))
            index_of[env.event_id] = i
            state.outcomes[i] = Outcome.STORED
        if not rows:
            return
        s.execute(insert(Event), rows)
        projector = Projector(s, keys=self._id_keys, config=self._config, publisher=self._publisher)
        projector.apply_all(new)
        for refused in projector.refused:  # stored as said, not applied: quarantined too
            i = index_of[refused.event_id]
            state.rejected[i] = _Rejected(refused.reason, refused.detail, batch_devices[i])
        now = self._clock()
        by_device: dict[str, list[int]] = {}
        for env, _ in new:
            by_device.setdefault(env.device, []).append(env.seq)
        for name, seqs in by_device.items():
            sequence.advance(s, seq_rows[name], seqs, now=now)
        latest = max(item.received_at for item in batch)
        for d in s.scalars(select(Device).where(Device.id.in_(by_device))):
            if d.last_seen is None or d.last_seen < latest:
                d.last_seen = latest

    def _quarantine_row(self, item: Incoming, r: _Rejected) -> Quarantine:
        return quarantine_.row(
            payload_key=self._payload_key, topic=item.topic, payload=item.payload,
            received_at=item.received_at, reason=r.reason, detail=r.detail, device=r.device,
        )  # fmt: skip


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; a detail quoting hostile input may contain one
    return value.replace("\x00", "\\x00")[:limit]


def _device_of(topic: str) -> str | None:
    parts = topic.split("/")
    return _text(parts[3], 63) if len(parts) > 3 else None


def _load_devices(s: Session, names: set[str]) -> dict[str, Device]:
    if not names:
        return {}
    return {d.id: d for d in s.scalars(select(Device).where(Device.id.in_(names)))}


def _existing_by_event_id(s: Session, ids: list[str]) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for k in range(0, len(ids), _CHUNK):
        chunk = ids[k : k + _CHUNK]
        for eid, dev, seq in s.execute(
            select(Event.event_id, Event.device, Event.seq).where(Event.event_id.in_(chunk))
        ):
            out[eid] = (dev, seq)
    return out


def _existing_by_seq(s: Session, keys_: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    for k in range(0, len(keys_), _CHUNK):
        chunk = keys_[k : k + _CHUNK]
        for dev, seq, eid in s.execute(
            select(Event.device, Event.seq, Event.event_id).where(
                tuple_(Event.device, Event.seq).in_(chunk)
            )
        ):
            out[(dev, seq)] = eid
    return out
