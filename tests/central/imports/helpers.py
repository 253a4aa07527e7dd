"""Running an import as the service does, for the tests."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from central.imports import service
from central.imports.columns import Mapping
from central.imports.reader import read
from central.settings import Settings

SAMPLE = Path(__file__).resolve().parents[3] / "docs" / "samples" / "import-sample.csv"
SITE = "minhou"


def run(
    sessions: sessionmaker[Session], settings: Settings, data: bytes, *, dry_run: bool,
    name: str = "sample.csv", actor: str = "imp-admin", now: datetime | None = None,
    chunk: int = service.CHUNK, mapping: Mapping | None = None,
) -> service.Report:  # fmt: skip
    with sessions() as s:
        return service.run(
            s, read(data), mapping=mapping or service.saved_mapping(s, SITE), site=SITE,
            actor=actor, keys=(settings.id_hash_key_bytes, settings.id_enc_key_bytes),
            filename=name, sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run,
            now=now, chunk=chunk,
        )  # fmt: skip


def count(sessions: sessionmaker[Session], model: Any, *where: Any) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
