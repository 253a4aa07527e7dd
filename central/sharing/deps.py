"""The organ behind a request: ``Authorization: Bearer zfo_…`` plus ``X-Purpose``.

Each organ request is audited here, once, after the handler, in the request's session:
a refusal rolls back whatever the handler did and then commits the audit row, so a
refused request still leaves a trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from central.deps import SessionDep

from . import service
from .models import OrganRow, OrganToken


@dataclass
class OrganCaller:
    organ: OrganRow
    token: OrganToken
    purpose: str


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def organ_caller(
    request: Request,
    session: SessionDep,
    authorization: Annotated[str | None, Header()] = None,
    x_purpose: Annotated[str | None, Header(description="查询目的（必填，记入审计）")] = None,
) -> Iterator[OrganCaller]:
    target = f"http:{request.method} {request.url.path}"
    token = (authorization or "").removeprefix("Bearer ").strip()
    try:
        organ, tok = service.authenticate(session, token)
    except service.SharingError as e:
        _refused(session, request, "anonymous", target, str(e))
        raise HTTPException(e.status, str(e)) from e
    # header values are Latin-1: Chinese purposes arrive percent-encoded (UTF-8)
    purpose = unquote(x_purpose or "").strip()
    if len(purpose) < 2:
        _refused(session, request, organ.id, target, "未说明目的")
        raise HTTPException(400, "每次请求须在 X-Purpose 中说明目的")
    session.commit()  # last_used_at
    try:
        yield OrganCaller(organ, tok, purpose[:500])
    except HTTPException as e:
        _refused(session, request, organ.id, target, f"{purpose[:300]}（被拒绝：{e.detail}）")
        raise
    session.rollback()  # the handler committed what it meant to keep
    service.log_access(session, organ.id, "access", target, purpose[:500], _client(request))
    session.commit()


def _refused(session: Session, request: Request, organ: str, target: str, why: str) -> None:
    session.rollback()
    service.log_access(session, organ, "refused", target, why[:500], _client(request))
    session.commit()


OrganDep = Annotated[OrganCaller, Depends(organ_caller)]
