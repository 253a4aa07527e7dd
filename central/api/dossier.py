"""/api/receptions, /api/persons (staff) and /api/box/persons (the desk's look-up).

Every read of personal data here is audited (who, when, why, from where). Another
site's record is read only with a stated reason (``reason`` or ``X-Reason``), and the
box reads only its own site's (``central.access.scope``).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Header, Query, Request

from central.access.gates import BoxCaller, Reader, Worker
from central.access.principals import Box, Staff
from central.access.scope import SiteScope
from central.casefile import people, service
from central.casefile.full import Dossier, read_dossier
from central.casefile.merge import merge_duplicate, reverse_merge
from central.deps import SessionDep, SettingsDep, client_address
from central.dossier.schemas import (
    Candidate,
    MergeCreate,
    MergePublic,
    MergeUndo,
    PersonHit,
    ReceptionDetail,
    ReceptionSummary,
    Timeline,
)
from central.params import RowId

receptions = APIRouter(prefix="/api/receptions", tags=["receptions"])
persons = APIRouter(prefix="/api/persons", tags=["persons"])
box_persons = APIRouter(prefix="/api/box/persons", tags=["box"])

ReasonQuery = Annotated[str, Query(max_length=500, description="why (another site's record)")]
ReasonHeader = Annotated[str | None, Header(description="the same, percent-encoded UTF-8")]


def _scope(acc: Staff | Box, reason: str = "", x_reason: str | None = None) -> SiteScope:
    return SiteScope.of(acc, reason=reason or unquote(x_reason or ""))


@receptions.get("", response_model=list[ReceptionSummary])
def list_receptions(
    request: Request,
    session: SessionDep,
    acc: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ReceptionSummary]:
    """The newest receptions of the account's own site (names included: audited)."""
    return service.read_recent(
        session, limit=limit, site=acc.site, actor=acc.actor, org=acc.org,
        client=client_address(request),
    )  # fmt: skip


@receptions.get("/{reception_id}", response_model=ReceptionDetail)
def get_reception(
    reception_id: str,
    request: Request,
    session: SessionDep,
    acc: Reader,
    reason: ReasonQuery = "",
    x_reason: ReasonHeader = None,
) -> ReceptionDetail:
    # no such reception: NotFound, 404 (central.api.errors)
    return service.read_reception(
        session, reception_id=reception_id, scope=_scope(acc, reason, x_reason),
        client=client_address(request), default_reason="接口查阅",
    )  # fmt: skip


@persons.get("/{person_id}/timeline", response_model=Timeline)
def person_timeline(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: ReasonQuery = "",
    x_reason: ReasonHeader = None,
) -> Timeline:
    # no such person: NotFound, 404 (central.api.errors)
    return service.read_timeline(
        session, person_id=person_id, scope=_scope(acc, reason, x_reason),
        client=client_address(request), enc_key=settings.id_enc_key_bytes,
    )  # fmt: skip


@persons.get("", response_model=list[PersonHit])
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[PersonHit]:
    return people.find(
        session, q=q, hash_key=settings.id_hash_key_bytes, limit=limit, actor=acc.actor,
        client=client_address(request),
    )  # fmt: skip


@persons.get("/{person_id}/dossier", response_model=Dossier)
def dossier(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: ReasonQuery = "",
    x_reason: ReasonHeader = None,
) -> Dossier:
    # no such person: NotFound, 404 (central.api.errors)
    return read_dossier(
        session, person_id=person_id, scope=_scope(acc, reason, x_reason),
        client=client_address(request), enc_key=settings.id_enc_key_bytes,
        evidence=getattr(request.app.state, "evidence", None),
    )  # fmt: skip


@persons.get("/{person_id}/duplicates", response_model=list[Candidate])
def duplicates(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Worker,
    reason: ReasonQuery = "",
) -> list[Candidate]:
    # no such person: NotFound, 404 (central.api.errors)
    return people.read_duplicates(
        session, person_id=person_id, hash_key=settings.id_hash_key_bytes,
        scope=_scope(acc, reason), client=client_address(request),
    )  # fmt: skip


@persons.post("/{person_id}/merge", response_model=MergePublic, status_code=201)
def merge(person_id: str, body: MergeCreate, session: SessionDep, acc: Worker) -> MergePublic:
    row = merge_duplicate(
        session, survivor_id=person_id, merged_id=body.duplicate_id,
        scope=SiteScope.of(acc), reason=body.reason,
    )  # fmt: skip
    return MergePublic.model_validate(row)


@persons.post("/merges/{merge_id}/undo", response_model=MergePublic)
def undo(merge_id: RowId, body: MergeUndo, session: SessionDep, acc: Worker) -> MergePublic:
    row = reverse_merge(session, merge_id=merge_id, scope=SiteScope.of(acc), reason=body.reason)
    return MergePublic.model_validate(row)


# ---- the desk's look-up (device-signed; its own site only) ----------------------------

OfficerHeader = Annotated[
    str, Header(alias="X-Zhifang-Officer", max_length=64, description="officer at the desk")
]


@box_persons.get("", response_model=list[PersonHit])
def box_search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    box: BoxCaller,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    officer: OfficerHeader = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[PersonHit]:
    """An ID number or phone typed at the desk: the persons of the box's own site that
    match (a person known only at another site is not shown to a box)."""
    return people.find_for_box(
        session, q=q, hash_key=settings.id_hash_key_bytes, limit=limit,
        actor=f"{box.actor}/{officer or '?'}", client=client_address(request), site=box.site,
    )  # fmt: skip


@box_persons.get("/{person_id}/dossier", response_model=Dossier)
def box_dossier(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    box: BoxCaller,
    officer: OfficerHeader = "",
    reason: ReasonQuery = "",
) -> Dossier:
    """The person's dossier at the desk (receptions and matters, so a returning visit
    can be linked to an open one): the box's own site's persons only, audited with the
    officer at the desk."""
    scope = SiteScope(f"{box.actor}/{officer or '?'}", box.site, reason, may_cross=False)
    # no such person: NotFound, 404 (central.api.errors)
    return read_dossier(
        session, person_id=person_id, scope=scope, client=client_address(request),
        enc_key=settings.id_enc_key_bytes, default_reason="接访台调阅",
    )  # fmt: skip
