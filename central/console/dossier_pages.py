"""Console pages of the dossier: home, search, a person's dossier, a reception."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from central.access.gates import Reader, Worker
from central.access.principals import Staff
from central.access.scope import SiteScope
from central.casefile import lookups, people
from central.casefile import service as dossier
from central.casefile.full import full_dossier
from central.casefile.merge import MergeRefused, merge_persons, undo_merge
from central.database import unit_of_work
from central.db import utcnow
from central.deps import SessionDep, SettingsDep
from central.documents.service import for_person
from central.evidence.playback import offer
from central.evidence.service import reception_status
from central.params import RowId
from central.workflow import service as wf
from central.workflow.errors import WorkflowError
from central.workflow.scope import on_site

from .actions import FormAction, client
from .templating import LOCAL, render

router = APIRouter()
HOME_PAGE = 50


def site_scope(acc: Staff) -> str | None:
    """The site an account's lists are limited to (None: every site)."""
    return acc.site


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    acc: Reader,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The site's receptions, newest first, 50 to a page, within a period if asked."""

    def day(text: str, plus: int = 0) -> datetime | None:
        try:
            d = date.fromisoformat(text) + timedelta(days=plus)
        except ValueError:
            return None
        return datetime.combine(d, time.min, tzinfo=LOCAL)

    rows = dossier.recent_receptions(
        session, limit=HOME_PAGE + 1, offset=(page - 1) * HOME_PAGE, site=site_scope(acc),
        start=day(since), end=day(until, 1),
    )  # fmt: skip
    ctx = {
        "receptions": rows[:HOME_PAGE], "page": page, "more": len(rows) > HOME_PAGE,
        "since": since, "until": until,
    }  # fmt: skip
    return render(request, "receptions.html", ctx, session=session, acc=acc)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Worker,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    hits = []
    if q.strip():
        with unit_of_work(session):  # the search's audit row
            hits = people.search(
                session,
                q=q,
                hash_key=settings.id_hash_key_bytes,
                limit=50,
                actor=acc.username,
                client=client(request),
            )
    site = site_scope(acc)
    mine = on_site(session, [h.id for h in hits], site) if site else None
    other = {h.id for h in hits if mine is not None and h.id not in mine}
    ctx = {"q": q, "hits": hits, "other_site": other}
    return render(request, "search.html", ctx, session=session, acc=acc)


@router.get("/persons/{person_id}", response_class=HTMLResponse)
def person(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: str = "",
    msg: str = "",
    error: str = "",
    dups_wanted: Annotated[bool, Query(alias="dups")] = False,
) -> HTMLResponse:
    survivor = lookups.merged_into(session, person_id)
    if survivor:
        return RedirectResponse(
            f"/console/persons/{survivor}?msg={quote('该档案已并入此档案')}",
            status_code=status.HTTP_303_SEE_OTHER,
        )  # type: ignore[return-value]
    scope = SiteScope.of(acc, reason=reason)  # another site's: asks for the reason
    with unit_of_work(session):  # the reads' audit rows
        try:
            d = full_dossier(
                session,
                person_id=person_id,
                scope=scope,
                client=client(request),
                enc_key=settings.id_enc_key_bytes,
                evidence=getattr(request.app.state, "evidence", None),
                default_reason="控制台查阅",
            )
        except dossier.NotFound as e:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
        open_matters = [m for m in d.matters if m.open]
        dups = []
        if dups_wanted and acc.role != "auditor":  # on request: scoring names is not free
            dups = people.duplicates(
                session, person_id=person_id, hash_key=settings.id_hash_key_bytes, scope=scope,
                client=client(request),
            )  # fmt: skip
    ctx = {
        "t": d,
        "papers": for_person(session, person_id),
        "open_matters": open_matters,
        "dups": dups,
        "dups_wanted": dups_wanted,
        "msg": msg,
        "error": error,
        "reason": reason,
    }
    return render(request, "person.html", ctx, session=session, acc=acc)


@router.post("/persons/{person_id}/merge")
def merge(
    person_id: str,
    session: SessionDep,
    acc: Worker,
    duplicate_id: Annotated[str, Form(max_length=36)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    path = f"/console/persons/{person_id}"
    with FormAction(session, acc, back=path, refusals=(MergeRefused,)) as act:
        merge_persons(
            session,
            survivor_id=person_id,
            merged_id=duplicate_id,
            scope=SiteScope.of(acc),
            reason=reason,
        )
        act.done("已合并重复档案（可撤销）")
    return act.response


@router.post("/merges/{merge_id}/undo")
def undo(
    merge_id: RowId,
    session: SessionDep,
    acc: Worker,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    survivor = lookups.merge_survivor(session, merge_id)
    path = f"/console/persons/{survivor}" if survivor else "/console/search"
    with FormAction(session, acc, back=path, refusals=(MergeRefused,)) as act:
        undo_merge(session, merge_id=merge_id, scope=SiteScope.of(acc), reason=reason)
        act.done("已撤销合并")
    return act.response


@router.post("/receptions/{reception_id}/link")
def link(
    reception_id: str,
    request: Request,
    session: SessionDep,
    acc: Worker,
    matter_id: Annotated[str, Form(max_length=36)],
    person_id: Annotated[str, Form(max_length=36)] = "",
) -> RedirectResponse:
    path = f"/console/persons/{person_id}" if person_id else f"/console/receptions/{reception_id}"
    with FormAction(session, acc, back=path, refusals=(WorkflowError,)) as act:
        wf.link_visit(
            session, matter_id=matter_id, reception_id=reception_id, scope=SiteScope.of(acc),
            at=utcnow(), config=request.app.state.workflow_config,
        )  # fmt: skip
        act.done("已将本次来访关联到事项，无需重复陈述")
    return act.response


@router.get("/receptions/{reception_id}", response_class=HTMLResponse)
def reception(
    reception_id: str, request: Request, session: SessionDep, acc: Reader, reason: str = ""
) -> HTMLResponse:
    try:
        with unit_of_work(session):  # the read's audit row
            r = dossier.get_reception(
                session, reception_id=reception_id, scope=SiteScope.of(acc, reason=reason),
                client=client(request), default_reason="控制台查阅",
            )  # fmt: skip
    except dossier.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    ev = getattr(request.app.state, "evidence", None)
    rec = reception_status(session, ev, reception_id) if ev is not None else None
    review = lookups.review_of(session, reception_id)
    ctx = {
        "r": r, "rec": rec, "review": review, "playback": _playback_offers(ev, rec),
        "reason": reason,
    }  # fmt: skip
    return render(request, "reception.html", ctx, session=session, acc=acc)


def _playback_offers(ev: Any, rec: dict[str, Any] | None) -> dict[str, str | None]:
    """For each video segment: None if a playable copy may be tried, else why not."""
    if ev is None or rec is None:
        return {}
    return {
        sg["sha256"]: offer(sg["container"], sg["size"], max_bytes=ev.playback.max_bytes)
        for sg in rec["segments"]
        if sg["media"] == "video"
    }
