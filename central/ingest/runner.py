"""``run_ingest(settings, stop_event)``: the ingest worker loop.

Receive → process a batch in one transaction → acknowledge → repeat; now and then
ask boxes to resend gaps. Runs until ``stop_event`` is set. Start several workers
(same ``ingest_group``, different ``ingest_client_id``) to share the load.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from central.database import make_engine, make_session_factory
from central.devices.control import SigningPublisher, load_command_key
from central.identity import service as identity_service
from central.settings import Settings
from central.workflow.config import WorkflowConfig

from .ingestor import Ingestor, IngestStats
from .mqtt import IngestError, MqttIngestClient, Received
from .projection import IdKeys
from .quarantine import QuarantinePolicy
from .sequence import GapChaser

log = logging.getLogger(__name__)

GAP_CHECK_EVERY_S = 0.5
UPKEEP_EVERY_S = 60.0  # quarantine pruning and its rate check


def run_ingest(
    settings: Settings,
    stop_event: threading.Event,
    *,
    engine: Engine | None = None,
    ready: threading.Event | None = None,
) -> IngestStats:
    """Run ingest until ``stop_event`` is set; ``ready`` is set once subscribed.

    Raises ``IngestError`` when the broker refuses the connection or subscription for
    a reason retrying cannot fix. The schema must be migrated already.
    """
    own_engine = engine is None
    engine = engine if engine is not None else make_engine(settings, write_immediate=True)
    sessions = make_session_factory(engine)
    client = MqttIngestClient(settings)  # refuses plain MQTT in production (unless allowed)
    # every command leaves signed with central's key: the boxes refuse anything else
    commands = SigningPublisher(client, key=load_command_key(settings))
    log.info("signing commands with key %s", commands.key_id)
    ingestor = Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
        publisher=commands,
        quarantine=QuarantinePolicy.from_settings(settings),
        config=WorkflowConfig.from_settings(settings),
    )
    chaser = GapChaser(
        sessions,
        commands,
        grace_s=settings.gap_grace_s,
        backoff_max_s=settings.resend_backoff_max_s,
    )
    client.start()
    next_gap_check = time.monotonic() + GAP_CHECK_EVERY_S
    next_upkeep = time.monotonic()
    try:
        while not stop_event.is_set():
            if client.fatal:
                raise IngestError(client.fatal)
            if ready is not None and client.subscribed.is_set():
                ready.set()
            batch = client.get_batch(settings.ingest_batch_max, timeout=0.2)
            if batch:
                _process_until_committed(ingestor, batch, stop_event)
                if stop_event.is_set():
                    break
                client.ack(batch)
            if time.monotonic() >= next_gap_check:
                next_gap_check = time.monotonic() + GAP_CHECK_EVERY_S
                try:
                    chaser.check()
                    with sessions.begin() as s:  # biometric deletions not yet acknowledged
                        identity_service.redeliver_unacked(s, commands)
                except (DBAPIError, ConnectionError) as e:
                    log.warning("gap check failed, will retry: %s", e)
            if time.monotonic() >= next_upkeep:
                next_upkeep = time.monotonic() + UPKEEP_EVERY_S
                try:
                    ingestor.maintain()
                except DBAPIError as e:
                    log.warning("quarantine upkeep failed, will retry: %s", e)
    finally:
        client.stop()
        if own_engine:
            engine.dispose()
    return ingestor.stats


def _process_until_committed(
    ingestor: Ingestor, batch: list[Received], stop_event: threading.Event
) -> None:
    """Keep the batch (unacknowledged) until the database takes it: a database outage
    delays ingest, it never loses or skips messages."""
    delay = 0.5
    while not stop_event.is_set():
        try:
            ingestor.process([r.incoming for r in batch])
            return
        except Exception as e:  # the database is down or locked: keep the batch, retry
            log.error("batch not stored; retrying in %.1f s: %s", delay, e)
            stop_event.wait(delay)
            delay = min(delay * 2, 30.0)
