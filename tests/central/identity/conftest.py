"""Central's half of the identity flow, on SQLite and PostgreSQL.

``identity_ingest`` is the test-only ingest wrapper: the stock ``Ingestor`` with its
``Projector`` replaced by one that hands ``consent.recorded`` / ``biometric.deleted``
to ``central.identity.service.apply_identity_event`` — exactly the hook the ingest
projection must get (see ``IdentityProjector``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from central.identity.service import IDENTITY_EVENT_TYPES, apply_identity_event
from central.ingest import ingestor as ingestor_module
from central.ingest.ingestor import Ingestor
from central.ingest.projection import IdKeys, Projector
from central.publisher import CommandPublisher, RecordingPublisher
from central.settings import Settings
from protocol.envelope import Envelope
from protocol.messages import Body
from tests.central.ingest.conftest import db_url, engine, sessions, settings  # noqa: F401


def identity_projector(publisher: CommandPublisher | None) -> type[Projector]:
    class IdentityProjector(Projector):
        def apply_all(self, events: Iterable[tuple[Envelope, Body]]) -> None:
            rest = []
            for env, body in events:
                if body.TYPE in IDENTITY_EVENT_TYPES:
                    apply_identity_event(self._s, env, body, publisher=publisher)
                else:
                    rest.append((env, body))
            super().apply_all(rest)

    return IdentityProjector


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def identity_ingest(
    sessions: sessionmaker[Session],  # noqa: F811
    settings: Settings,  # noqa: F811
    publisher: RecordingPublisher,
    monkeypatch: pytest.MonkeyPatch,
) -> Ingestor:
    monkeypatch.setattr(ingestor_module, "Projector", identity_projector(publisher))
    return Ingestor(
        sessions,
        id_keys=IdKeys(hash_key=settings.id_hash_key_bytes, enc_key=settings.id_enc_key_bytes),
    )
