"""Provisioning credentials: a site's key to register and revoke its own boxes.

An admin issues one per site (``zhifang central provisioning issue --site S``); the
installer keeps it with the site's provisioning folder and ``zhifang provision
register`` sends it. The secret is shown once; central keeps its SHA-256. Issuing and
revoking are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.db import utcnow
from protocol import topics

from .errors import DevicesError
from .models import ProvisioningCredential

_TOKEN = re.compile(r"^zfp_([0-9a-f]{16})_[A-Za-z0-9_-]{20,}$")


class CredentialError(DevicesError):
    """Root of provisioning-credential errors; the message is for a person."""


class BadCredential(CredentialError, PermissionError):
    pass


class UnknownCredential(CredentialError, LookupError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, *, site: str, label: str, actor: str) -> tuple[str, str]:
    """A new credential for ``site``: (its id, the token shown once)."""
    topics.check_name("site", site)
    cid = secrets.token_hex(8)
    token = f"zfp_{cid}_{secrets.token_urlsafe(32)}"
    session.add(
        ProvisioningCredential(
            id=cid,
            site=site,
            label=label.strip()[:200],
            token_sha256=_digest(token),
            created_by=actor[:200],
            created_at=utcnow(),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="provisioning.credential.issue",
        target=f"provisioning:{cid}",
        reason=f"site={site} {label.strip()[:200]}",
    )
    return cid, token


def revoke(session: Session, *, credential_id: str, actor: str) -> ProvisioningCredential:
    row = session.get(ProvisioningCredential, credential_id)
    if row is None:
        raise UnknownCredential(f"没有此部署凭据：{credential_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="provisioning.credential.revoke",
            target=f"provisioning:{credential_id}",
            reason=f"site={row.site}",
        )
    return row


def listed(session: Session, *, site: str | None = None) -> Sequence[ProvisioningCredential]:
    q = select(ProvisioningCredential).order_by(
        ProvisioningCredential.site, ProvisioningCredential.created_at
    )
    if site is not None:
        q = q.where(ProvisioningCredential.site == site)
    return session.scalars(q).all()


def authenticate(session: Session, token: str, *, now: datetime) -> ProvisioningCredential:
    m = _TOKEN.match(token)
    row = session.get(ProvisioningCredential, m.group(1)) if m else None
    # constant-time compare of the digests: the id alone tells nothing about the secret
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(token)):
        raise BadCredential("部署凭据无效")
    if row.revoked_at is not None:
        raise BadCredential("部署凭据已吊销")
    row.last_used_at = now
    return row
