"""The organ behind a request: ``Authorization: Bearer zfo_…`` plus ``X-Purpose``.

The ``ORGAN`` gate has proven the token (``authn``) before this runs. Each organ
request is audited here, once, after the handler, in the request's session:
a refusal rolls back whatever the handler did and then commits the audit row, so a
refused request still leaves a trace. Past authentication and purpose, the token's
rate limit (``rate.py``) is taken before the handler runs: over it, 429 with
``Retry-After``, audited like every other refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from central.access.gates import ORGAN
from central.access.principals import Organ
from central.db import utcnow
from central.deps import SessionDep, SettingsDep
from central.sharing import rate, service
from central.sharing.models import OrganRow, OrganToken

from .errors import DOMAIN_ERRORS, refusal


@dataclass
class OrganCaller:
    organ: OrganRow
    token: OrganToken
    purpose: str


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


# what a route may refuse an organ with (each is audited as a refusal)
REFUSALS: tuple[type[Exception], ...] = (HTTPException, *DOMAIN_ERRORS)


def clock() -> datetime:
    """The time the rate limit counts in (a dependency: tests pin it)."""
    return utcnow()


def organ_caller(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: Annotated[datetime, Depends(clock)],
    who: Annotated[Organ, Depends(ORGAN)],
    x_purpose: Annotated[str | None, Header(description="查询目的（必填，记入审计）")] = None,
) -> Iterator[OrganCaller]:
    target = f"http:{request.method} {request.url.path}"
    organ = session.get_one(OrganRow, who.organ_id)
    tok = session.get_one(OrganToken, who.token_id)
    # header values are Latin-1: Chinese purposes arrive percent-encoded (UTF-8)
    purpose = unquote(x_purpose or "").strip()
    if len(purpose) < 2:
        _refused(session, request, organ.id, target, "未说明目的")
        raise HTTPException(400, "每次请求须在 X-Purpose 中说明目的")
    session.commit()  # end the read: the admission's transaction starts with its write
    outcome = rate.admit(session, tok.id, rate.limits_for(settings, organ, tok), now=now)
    if outcome.refusal is not None:
        why = outcome.refusal.message
        _refused(session, request, organ.id, target, f"{purpose[:300]}（被拒绝：{why}）")
        retry = {"Retry-After": str(outcome.refusal.retry_after_s)}
        raise HTTPException(429, why, headers=retry)
    service.touch(session, tok.id, now)
    session.commit()
    if outcome.opened_minute:
        rate.prune(session, now=now)
    organ_id = organ.id  # read now: after a rollback it would be reloaded (read, then write)
    try:
        yield OrganCaller(organ, tok, purpose[:500])
    except REFUSALS as e:  # refused by the route or by the service
        _refused(session, request, organ_id, target, f"{purpose[:300]}（被拒绝：{refusal(e)}）")
        raise
    session.rollback()  # the handler committed what it meant to keep
    service.log_access(session, organ_id, "access", target, purpose[:500], _client(request))
    session.commit()


def _refused(session: Session, request: Request, organ: str, target: str, why: str) -> None:
    session.rollback()
    service.log_access(session, organ, "refused", target, why[:500], _client(request))
    session.commit()


OrganDep = Annotated[OrganCaller, Depends(organ_caller)]
