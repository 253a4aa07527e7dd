"""Staff reading a reception's recording: its state, a segment, a playable copy. Each
read is one unit of work: the site-scope rule (another site's only with a stated
reason), then its audit row (a recording is part of the person's dossier), committed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.database import unit_of_work
from central.workflow.scope import reception_sites
from protocol.evidence import SegmentManifest

from .playback import Playable
from .service import EvidenceService
from .status import reception_segment, reception_status

WHAT = "该接访的录音录像"


def _audit_read(
    session: Session,
    *,
    reception_id: str,
    scope: SiteScope,
    action: str,
    client: str | None,
    segment: str | None = None,
    note: str = "",
) -> None:
    """The site-scope rule and the audit row for reading a reception's recording (a
    playback names the segment it played)."""
    cross = scope.read(reception_sites(session, reception_id), what=WHAT)
    said = f"reception {reception_id}{note}"
    audit.record(
        session, actor=scope.actor, action=action,
        target=f"segment:{segment}" if segment else f"reception:{reception_id}",
        reason=f"{said}；{cross or scope.reason}" if (cross or scope.reason) else said,
        client=client,
    )  # fmt: skip


def read_status(
    session: Session,
    svc: EvidenceService,
    *,
    reception_id: str,
    scope: SiteScope,
    client: str | None,
) -> dict[str, Any]:
    """The reception's recording and its verification state (``reception_status``),
    audited, committed."""
    with unit_of_work(session):
        out = reception_status(session, svc, reception_id)
        _audit_read(
            session, reception_id=reception_id, scope=scope, action="recording.status.read",
            client=client,
        )  # fmt: skip
    return out


def play_segment(
    session: Session,
    svc: EvidenceService,
    *,
    reception_id: str,
    sha256: str,
    scope: SiteScope,
    client: str | None,
) -> tuple[Path, SegmentManifest] | None:
    """The stored segment of the reception with hash ``sha256`` and its manifest, the
    playback audited and committed; None (nothing written) if the reception has no
    such segment or its bytes are not here. The site rule comes first: before saying
    whether the segment exists."""
    with unit_of_work(session):
        scope.read(reception_sites(session, reception_id), what=WHAT)
        m = reception_segment(session, svc, reception_id, sha256)
        path = svc.blobs.path(sha256)
        if m is None or not path.exists():
            return None
        _audit_read(
            session, reception_id=reception_id, scope=scope, action="recording.play",
            client=client, segment=sha256,
        )  # fmt: skip
    return path, m


def playable_copy(
    session: Session,
    svc: EvidenceService,
    *,
    reception_id: str,
    sha256: str,
    scope: SiteScope,
    client: str | None,
) -> Playable | None:
    """A browser-playable copy of the reception's video segment ``sha256`` (made on
    first request, ``PlaybackError`` if it cannot be), the playback audited like the
    original's; None (nothing written) if there is no such video segment here.

    Two transactions: the read ends before the conversion, so none stays open through
    it, and the audit write starts its own (on SQLite a read upgraded to a write while
    the browser's parallel range requests do the same fails at once as "locked")."""
    scope.read(reception_sites(session, reception_id), what=WHAT)  # before any work
    m = reception_segment(session, svc, reception_id, sha256)
    session.rollback()  # end the read now
    path = svc.blobs.path(sha256)
    if m is None or m.media != "video" or not path.exists():
        return None
    copy = svc.playback.playable(
        path, sha256=sha256, container=m.container, duration_ms=m.end_ms - m.start_ms
    )
    with unit_of_work(session):
        _audit_read(
            session, reception_id=reception_id, scope=scope, action="recording.play",
            client=client, segment=sha256, note=" (playable copy)",
        )  # fmt: skip
    return copy
