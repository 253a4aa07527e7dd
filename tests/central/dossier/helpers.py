"""Data for dossier and console tests: a site's box, persons, receptions, matters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from central.devices import service as devices
from central.devices.schemas import DeviceCreate
from central.dossier import crypto
from central.dossier.models import Person, Reception
from central.settings import Settings
from protocol import keys

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def add_device(sessions: sessionmaker[Session], name: str = "desk-1", site: str = "minhou") -> str:
    pub = keys.public_key_b64(Ed25519PrivateKey.generate())
    with sessions.begin() as s:
        devices.register(s, data=DeviceCreate(name=name, site=site, public_key=pub))
    return name


def add_person(
    sessions: sessionmaker[Session],
    settings: Settings,
    name: str,
    *,
    id_number: str | None = None,
    phone: str | None = None,
    township: str | None = None,
) -> str:
    with sessions.begin() as s:
        p = Person(
            name=name,
            phone=phone,
            township=township,
            id_number_hash=crypto.id_number_hash(settings.id_hash_key_bytes, id_number)
            if id_number
            else None,
            id_number_enc=crypto.encrypt_id_number(settings.id_enc_key_bytes, id_number)
            if id_number
            else None,
        )
        s.add(p)
        s.flush()
        return p.id


def add_reception(
    sessions: sessionmaker[Session],
    person_id: str | None,
    *,
    device: str = "desk-1",
    days: float = 0,
    kind: str = "walk_in",
    visitors: int = 1,
    rating: str | None = None,
    ended: bool = True,
) -> str:
    rid = str(uuid.uuid4())
    at = T0 + timedelta(days=days)
    with sessions.begin() as s:
        s.add(
            Reception(
                id=rid,
                device=device,
                officer_id="zhang",
                kind=kind,
                visitors=visitors,
                person_id=person_id,
                started_at=at,
                ended_at=at + timedelta(minutes=20) if ended else None,
                rating=rating,
                rated_at=at + timedelta(minutes=19) if rating else None,
                events=1,
            )
        )
    return rid
