"""Template relay between desks of one site: central keeps opaque ciphertext only.

A desk uploads a person's transfer sealed under the site's template key (central has
no copy of that key, so it cannot open it); the other desks of the same site fetch
it. Requests are device-signed (``protocol.requests``), proven by the box gate
(``central.access``) before these functions run. An upload for a person deleted at
the site after the consents inside it is refused, and a deletion removes the stored
copies (``service``), so a late transfer cannot bring a deleted person back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.database import unit_of_work
from central.db import from_ms, utcnow

from .errors import IdentityError
from .models import DeletionRow, TransferRow

MAX_CIPHERTEXT = 256 * 1024


class RelayError(IdentityError):
    """Root of relay errors."""


class PersonDeleted(RelayError, ValueError):
    """The person was deleted at this site after the consents in the transfer."""


class TransferUpload(BaseModel):
    """What a desk uploads (same shape as the box's ``SealedTransfer``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    person_id: str = Field(min_length=1, max_length=64, description="dossier / person id")
    made_at: int = Field(ge=0, le=2**53 - 1, description="ms when the desk sealed it")
    consents_given_at: int = Field(
        ge=0, le=2**53 - 1, description="latest given_at of the consents inside"
    )
    nonce: str = Field(pattern=r"^[0-9a-f]{24}$", description="AES-GCM nonce, hex")
    ciphertext: str = Field(
        min_length=1, max_length=MAX_CIPHERTEXT * 4 // 3 + 4, description="base64"
    )


class TransferOut(TransferUpload):
    id: int = Field(description="fetch with after=<last id seen>")
    origin_device: str = Field(description="desk that uploaded it")


@dataclass(frozen=True)
class Caller:
    device: str
    site: str


def store_transfer(session: Session, caller: Caller, up: TransferUpload) -> TransferRow:
    """A box's encrypted template for its site's other desks, stored and committed;
    refused (``ValueError``, ``PersonDeleted``) if the person's data was deleted since."""
    with unit_of_work(session):
        try:
            ct = base64.b64decode(up.ciphertext, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("ciphertext is not base64") from None
        if not ct or len(ct) > MAX_CIPHERTEXT:
            raise ValueError(f"ciphertext must be 1..{MAX_CIPHERTEXT} bytes")
        given = from_ms(up.consents_given_at)
        last_deleted = session.scalar(
            select(func.max(DeletionRow.deleted_at)).where(
                DeletionRow.person_id == up.person_id, DeletionRow.site == caller.site
            )
        )
        if last_deleted is not None and last_deleted >= given:
            raise PersonDeleted(f"{up.person_id} 的生物特征已于 {last_deleted.isoformat()} 删除")
        row = TransferRow(
            site=caller.site,
            person_id=up.person_id,
            origin_device=caller.device,
            made_at=from_ms(up.made_at),
            consents_given_at=given,
            nonce=up.nonce,
            ciphertext=ct,
            sha256=hashlib.sha256(ct).hexdigest(),
            uploaded_at=utcnow(),
        )
        session.add(row)
    return row


def fetch_transfers(
    session: Session, caller: Caller, *, after: int, limit: int
) -> list[TransferOut]:
    """The caller's site's transfers from other desks, id > ``after``, oldest first."""
    rows = session.scalars(
        select(TransferRow)
        .where(
            TransferRow.site == caller.site,
            TransferRow.id > after,
            TransferRow.origin_device != caller.device,
        )
        .order_by(TransferRow.id)
        .limit(limit)
    )
    return [
        TransferOut(
            id=r.id,
            origin_device=r.origin_device,
            person_id=r.person_id,
            made_at=round(r.made_at.timestamp() * 1000),
            consents_given_at=round(r.consents_given_at.timestamp() * 1000),
            nonce=r.nonce,
            ciphertext=base64.b64encode(r.ciphertext).decode(),
        )
        for r in rows
    ]
