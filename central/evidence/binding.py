"""Who may upload which segment (#13): a box, for its own receptions, within its quota.

The service (``service.py``) is told who is calling (``caller_device``, ``caller_site``:
the box that signed the HTTP request) and enforces here:

* the manifest names the caller as its recording device, and the caller is registered
  at the site it calls from;
* the reception belongs to the caller (its ``reception.started`` came from it). A
  reception central does not know yet is not trusted: the segment is received and
  checked against its manifest, then *parked* (not logged, no receipt) until the
  reception's events arrive and show whose it is;
* a segment announces at most ``segment_max_bytes``; a box has at most
  ``inflight_max_bytes`` announced in uploads not yet logged, and announces at most
  ``daily_max_bytes`` a day (China Standard Time). Quota refusals are temporary: the
  box keeps the segment and offers it again later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.devices.models import Device
from central.dossier.models import Reception
from central.settings import Settings
from protocol.evidence import SegmentManifest

from .errors import EvidenceLogError
from .models import Upload

CST = timezone(timedelta(hours=8))
MB = 1024 * 1024
IN_FLIGHT = ("open", "parked")

ReceptionOwner = Callable[[Session, str], str | None]  # reception id → owning device
DeviceSite = Callable[[Session, str], str | None]  # device → registered site (if active)


class UploadRefused(EvidenceLogError, ValueError):
    """An upload central will not take (now). ``reason`` is machine-readable; ``retry``
    says the box should offer the segment again later (quota), not give it up."""

    def __init__(self, message: str, *, reason: str, status: int = 422, retry: bool = False):
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.retry = retry


@dataclass(frozen=True, slots=True)
class UploadLimits:
    segment_max_bytes: int = 512 * MB
    inflight_max_bytes: int = 4096 * MB
    daily_max_bytes: int = 20480 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            segment_max_bytes=settings.evidence_segment_max_mb * MB,
            inflight_max_bytes=settings.evidence_inflight_max_mb * MB,
            daily_max_bytes=settings.evidence_daily_max_mb * MB,
        )


def reception_owner(session: Session, reception_id: str) -> str | None:
    """The device that owns the reception, from ingest's projection; None if unknown."""

    return session.scalar(select(Reception.device).where(Reception.id == reception_id))


def registered_site(session: Session, device: str) -> str | None:
    """The site a registered, non-revoked device belongs to."""

    row = session.get(Device, device)
    return None if row is None or row.revoked_at is not None else row.site


def check_caller(
    session: Session,
    m: SegmentManifest,
    *,
    caller_device: str,
    caller_site: str,
    device_site: DeviceSite,
) -> None:
    """The caller uploads its own recording, from the site it is registered at."""
    if m.device != caller_device:
        raise UploadRefused(
            f"设备 {caller_device} 不能上传设备 {m.device} 的录像 (a box uploads only its own)",
            reason="foreign_device",
            status=403,
        )
    site = device_site(session, caller_device)
    if site is None:
        raise UploadRefused(
            f"设备 {caller_device} 未登记或已吊销", reason="unknown_device", status=403
        )
    if site != caller_site:
        raise UploadRefused(
            f"设备 {caller_device} 登记于站点 {site}，不能以站点 {caller_site} 上传",
            reason="wrong_site",
            status=403,
        )


def check_size(m: SegmentManifest, limits: UploadLimits) -> None:
    if m.size > limits.segment_max_bytes:
        raise UploadRefused(
            f"segment {m.index} announces {m.size} bytes, more than the "
            f"{limits.segment_max_bytes} a segment may have",
            reason="segment_too_large",
            status=413,
        )


def check_quota(
    session: Session, m: SegmentManifest, limits: UploadLimits, *, now: datetime | None = None
) -> None:
    """Bytes in flight and bytes announced today, this upload included."""
    now = now or utcnow()
    busy = session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.device == m.device, Upload.status.in_(IN_FLIGHT)
        )
    )
    if int(busy or 0) + m.size > limits.inflight_max_bytes:
        raise UploadRefused(
            f"{m.device} has {busy} bytes in uploads not yet logged; with {m.size} more it "
            f"would pass its {limits.inflight_max_bytes}: finish those first",
            reason="quota_inflight",
            status=429,
            retry=True,
        )
    midnight = now.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0)
    today = session.scalar(
        select(func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.device == m.device,
            Upload.status != "refused",
            Upload.created_at >= midnight,
        )
    )
    if int(today or 0) + m.size > limits.daily_max_bytes:
        raise UploadRefused(
            f"{m.device} announced {today} bytes today; with {m.size} more it would pass its "
            f"daily {limits.daily_max_bytes}: the rest waits for tomorrow (China time)",
            reason="quota_daily",
            status=429,
            retry=True,
        )


def check_owner(owner: str | None, m: SegmentManifest) -> bool:
    """True if the reception is the manifest's device's; False if central does not know
    the reception yet (park it); ``UploadRefused`` if it is another box's."""
    if owner is None:
        return False
    if owner != m.device:
        raise UploadRefused(
            f"接访 {m.reception_id} 属于设备 {owner}，设备 {m.device} 不能为其上传录像",
            reason="foreign_reception",
            status=403,
        )
    return True
