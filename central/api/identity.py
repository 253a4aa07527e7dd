"""/api/identity: consent records, deletions and their acks, the template relay.

Reads of consent and deletion records are personal information and are audited
(who, when, why), and another site's person's only with a stated reason. The
``/transfers`` routes are for the boxes (device-signed requests, ``central.access``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from central.access.gates import Auditor, BoxCaller, Reader
from central.access.principals import Box
from central.access.scope import SiteScope
from central.deps import SessionDep, client_address
from central.identity import relay, service
from central.params import After

router = APIRouter(prefix="/api/identity", tags=["identity"])


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ConsentOut(_Out):
    consent_id: str = Field(description="id given by the desk")
    person_id: str = Field(description="dossier id")
    site: str = Field(description="site code")
    device: str = Field(description="desk where it was given")
    reception_id: str | None = Field(description="reception, if any")
    officer_id: str = Field(description="officer present")
    text_version: str = Field(description="version of the consent text shown")
    text_sha256: str = Field(description="SHA-256 of the text shown")
    scopes: list[str] = Field(description="face / voice / identify_1n")
    given_at: datetime = Field(description="when it was given")
    withdrawn_at: datetime | None = Field(description="ended by a deletion at this time")


class AckOut(_Out):
    device: str = Field(description="desk the deletion was relayed to")
    cmd_id: str = Field(description="command id")
    acked_at: datetime | None = Field(description="when the desk confirmed, if it has")
    ok: bool | None = Field(description="last ack's verdict")
    detail: str = Field(description="last ack's detail (deleted / not held / error)")
    attempts: int = Field(description="times sent")


class DeletionOut(_Out):
    person_id: str = Field(description="dossier id")
    site: str = Field(description="site code")
    origin_device: str = Field(description="desk where it was requested")
    officer_id: str = Field(description="officer who deleted")
    deleted_at: datetime = Field(description="when")
    reason: str = Field(description="request / consent_withdrawn / retention / other")
    note: str = Field(description="free note")
    desks: list[AckOut] = Field(description="the other desks and their acks")


class TransferCreated(BaseModel):
    id: int = Field(description="central's id of the stored transfer")


class TransferList(BaseModel):
    items: list[relay.TransferOut]


@router.get("/consents", response_model=list[ConsentOut])
def list_consents(
    session: SessionDep,
    acc: Reader,
    request: Request,
    person_id: Annotated[str, Query(min_length=1, max_length=64)],
    reason: str = "",
) -> list[ConsentOut]:
    rows = service.read_consents(
        session, person_id=person_id, scope=SiteScope.of(acc, reason=reason),
        client=client_address(request),
    )  # fmt: skip
    return [ConsentOut.model_validate(r) for r in rows]


@router.get("/deletions", response_model=list[DeletionOut])
def list_deletions(
    session: SessionDep,
    acc: Reader,
    request: Request,
    person_id: Annotated[str, Query(min_length=1, max_length=64)],
    reason: str = "",
) -> list[DeletionOut]:
    found = service.read_deletions(
        session, person_id=person_id, scope=SiteScope.of(acc, reason=reason),
        client=client_address(request),
    )  # fmt: skip
    return [
        DeletionOut.model_validate(
            {
                **{k: getattr(d, k) for k in DeletionOut.model_fields if k != "desks"},
                "desks": [AckOut.model_validate(c) for c in cmds],
            }
        )
        for d, cmds in found
    ]


@router.get("/deletions/pending", response_model=list[service.PendingCommand])
def list_pending(
    session: SessionDep, acc: Auditor, site: str | None = None, device: str | None = None
) -> list[service.PendingCommand]:
    """Deletions some desk has not confirmed yet (admins and auditors, their own site)."""
    if acc.site is not None:
        if site not in (None, acc.site):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "只能查看本院的删除指令")
        site = acc.site
    return service.pending_deletions(session, site=site, device=device)


# --- the boxes: template relay (device-signed requests, their own site only) ----------


def _caller(box: Box) -> relay.Caller:
    return relay.Caller(device=box.device, site=box.site)


@router.post("/transfers", response_model=TransferCreated, status_code=status.HTTP_201_CREATED)
async def upload_transfer(request: Request, session: SessionDep, box: BoxCaller) -> TransferCreated:
    body = await request.body()
    if len(body) > relay.MAX_CIPHERTEXT * 2:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, "transfer too large")
    caller = _caller(box)
    try:
        up = relay.TransferUpload.model_validate_json(body)
        row = relay.store_transfer(session, caller, up)
    except ValidationError as e:
        raise HTTPException(422, str(e)[:500]) from e
    except relay.PersonDeleted as e:
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from e
    except ValueError as e:
        raise HTTPException(422, str(e)) from e
    return TransferCreated(id=row.id)


@router.get("/transfers", response_model=TransferList)
def fetch_transfers(
    request: Request,
    session: SessionDep,
    box: BoxCaller,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> TransferList:
    caller = _caller(box)
    return TransferList(items=relay.fetch_transfers(session, caller, after=after, limit=limit))
