"""``/api/organ/*`` (other organs, by token) and ``/api/sharing/*`` (our admins, auditor).

Roles: organs, tokens and limits are the admin's; sharing a matter is a leader's (or
admin's); the access trail is the auditor's (or admin's); contributions any staff reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import ADMIN, AUDIT, Leader, Reader
from central.access.scope import SiteScope
from central.api.organ_deps import OrganDep
from central.deps import ActorDep, SessionDep
from central.sharing import service


class OrganIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=2, max_length=64, description="编号，如 police-minhou")
    name: str = Field(min_length=1, max_length=200, description="单位名称")
    kind: str = Field(description="police / xfj / township / other")
    fields: list[str] = Field(description=f"可见字段，取自 {', '.join(service.FIELDS)}")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=200, description="用途说明")


RATE_MAX = 1_000_000_000  # a limit nobody reaches is no limit; 32-bit columns


class RateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # the columns are 32-bit on PostgreSQL; a larger number answered 500 (schemathesis)
    per_minute: int | None = Field(
        default=None, ge=1, le=RATE_MAX, description="每分钟上限；空 = 沿用上级"
    )
    per_day: int | None = Field(
        default=None, ge=1, le=RATE_MAX, description="每天上限；空 = 沿用上级"
    )


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organ_id: str = Field(min_length=2, max_length=64, description="共享给哪个单位")
    reason: str = Field(min_length=2, max_length=500, description="共享理由")


class ContributionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["info", "warning"] = Field(description="补充信息 / 预警")
    body: str = Field(min_length=1, max_length=8000, description="内容")
    level: Literal["low", "medium", "high"] | None = Field(default=None, description="预警等级")


organ = APIRouter(prefix="/api/organ", tags=["organ"])


@organ.get("/matters")
def my_matters(caller: OrganDep, session: SessionDep) -> list[dict[str, Any]]:
    return service.shared_matters(session, caller.organ)


@organ.get("/matters/{matter_id}")
def my_matter(matter_id: str, caller: OrganDep, session: SessionDep) -> dict[str, Any]:
    out: dict[str, Any] = service.view(session, caller.organ, matter_id)
    return out


@organ.post("/matters/{matter_id}/contributions", status_code=201)
def contribute(
    matter_id: str, body: ContributionIn, caller: OrganDep, session: SessionDep
) -> dict[str, Any]:
    row = service.contribute(
        session,
        caller.organ,
        caller.token,
        matter_id=matter_id,
        kind=body.kind,
        body=body.body,
        level=body.level,
        purpose=caller.purpose,
    )
    return {"id": row.id, "organ": row.organ_id, "kind": row.kind}


admin = APIRouter(prefix="/api/sharing", tags=["sharing"])


@admin.post("/organs", status_code=201, dependencies=[Depends(ADMIN)])
def create_organ(body: OrganIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    o = service.add_organ(session, actor=actor, **body.model_dump())
    return {"id": o.id, "fields": o.fields}


@admin.post("/organs/{organ_id}/tokens", status_code=201, dependencies=[Depends(ADMIN)])
def issue(organ_id: str, body: TokenIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    row, token = service.grant_token(session, actor=actor, organ_id=organ_id, label=body.label)
    return {"id": row.id, "token": token, "note": "令牌只显示这一次，请妥善交付"}


@admin.post("/tokens/{token_id}/revoke", dependencies=[Depends(ADMIN)])
def revoke(token_id: str, session: SessionDep, actor: ActorDep) -> dict[str, str]:
    service.withdraw_token(session, actor=actor, token_id=token_id)
    return {"id": token_id, "status": "revoked"}


@admin.put("/organs/{organ_id}/rate", dependencies=[Depends(ADMIN)])
def organ_rate(organ_id: str, body: RateIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The organ's own limits for all its tokens (else the settings' defaults)."""
    target = service.change_rate(session, actor=actor, organ_id=organ_id, **body.model_dump())
    return {"target": target, **body.model_dump()}


@admin.put("/tokens/{token_id}/rate", dependencies=[Depends(ADMIN)])
def token_rate(token_id: str, body: RateIn, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """One token's own limits (else its organ's, else the settings' defaults)."""
    target = service.change_rate(session, actor=actor, token_id=token_id, **body.model_dump())
    return {"target": target, **body.model_dump()}


@admin.post("/matters/{matter_id}/shares", status_code=201)
def share(matter_id: str, body: ShareIn, session: SessionDep, acc: Leader) -> dict[str, str]:
    service.share_matter(
        session,
        matter_id=matter_id,
        organ_id=body.organ_id,
        scope=SiteScope.of(acc),
        reason=body.reason,
    )
    return {"matter_id": matter_id, "organ_id": body.organ_id}


@admin.get("/matters/{matter_id}/contributions")
def matter_contributions(
    matter_id: str, session: SessionDep, acc: Reader, reason: str = ""
) -> list[dict[str, Any]]:
    return service.contributions(session, matter_id, scope=SiteScope.of(acc, reason=reason))


@admin.get("/audit", dependencies=[Depends(AUDIT)])
def audit_trail(
    session: SessionDep, organ: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """For the auditor: every organ request (allowed or refused) and every share."""
    return service.audit_trail(session, organ_id=organ, limit=limit)
