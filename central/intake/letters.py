"""Reading back what console intake kept: a letter's scan, audited like every read of
its matter, and the sites a clerk may register at."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.devices.models import Device
from central.workflow import service as wf

from .errors import IntakeBaseError
from .files import AttachmentStore, UploadRefused
from .models import AttachmentRow


class AttachmentUnavailable(IntakeBaseError, LookupError):
    """The scan asked for is not there (or no longer what was uploaded)."""


def known_sites(session: Session) -> list[str]:
    """Every site known from its desks and accounts."""
    known = set(session.scalars(select(Device.site).distinct()))
    known |= set(session.scalars(select(Account.org).where(Account.org != "*").distinct()))
    return sorted(s for s in known if s)


def read_attachment(
    session: Session,
    *,
    matter_id: str,
    attachment_id: str,
    scope: SiteScope,
    store: AttachmentStore,
    actor: str,
    client: str | None,
) -> tuple[AttachmentRow, bytes]:
    """The scan (its hash checked) and its row, for the matter's own site (another
    site's with a reason: a 403 first), with its audit row (the caller commits)."""
    cross = wf.guard(session, matter_id, scope, write=False)
    row = session.get(AttachmentRow, attachment_id)
    if row is None or row.matter_id != matter_id:
        raise AttachmentUnavailable("没有这个附件")
    try:
        data = store.get(row.sha256)
    except (UploadRefused, OSError) as e:
        raise AttachmentUnavailable("附件文件缺失或已被改动") from e
    audit.record(
        session,
        actor=actor,
        action="matter.attachment.read",
        target=f"matter:{matter_id}",
        reason=scope.audit_reason(cross, f"查看附件 {row.filename}"),
        client=client,
    )
    return row, data
