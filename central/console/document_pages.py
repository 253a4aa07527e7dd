"""Papers for the petitioner at the console: issue one from the matter page, print
(reprint) what was issued, export a person's 专人专档 as a PDF, and the site admin's
page for the site's wording of each paper. The work is ``central.documents``'s."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from central.access.gates import Admin, Reader, Worker
from central.access.scope import SiteScope
from central.api.workflow import ConfigDep
from central.casefile import service as dossier
from central.database import unit_of_work
from central.db import utcnow
from central.deps import SessionDep, SettingsDep
from central.documents import service as docs
from central.documents import templates
from central.documents.dossier_pdf import export
from central.documents.kinds import KINDS, PLACEHOLDERS, DocKind
from central.documents.store import DocumentStore

from .actions import FormAction, back, client
from .intake_pages import _sites
from .templating import render

router = APIRouter()
TEMPLATES_PAGE = "/console/documents/templates"


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(filename, safe='')}",
        },
    )


@router.post("/matters/{matter_id}/documents")
def issue(
    matter_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Worker,
    cfg: ConfigDep,
    kind: Annotated[str, Form(max_length=24, description="which paper")],
) -> Response:
    path = f"/console/matters/{matter_id}"
    scope = SiteScope.of(acc)
    with FormAction(session, acc, back=path, refusals=(docs.DocumentError,)) as act:
        doc = docs.issue(
            session, matter_id=matter_id, kind=kind, scope=scope,
            log=request.app.state.evidence.log,
            store=DocumentStore.for_data_dir(settings.data_dir), cfg=cfg,
        )  # fmt: skip
        act.done(f"已出具{doc.title}，可点“打印”", extra=f"&issued={doc.id}#documents")
    return act.response


@router.get("/matters/{matter_id}/documents/{document_id}")
def reprint(
    matter_id: str,
    document_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: Annotated[str, Query(max_length=200, description="跨院查阅的理由")] = "",
) -> Response:
    try:
        with unit_of_work(session):  # the read's audit row
            doc, pdf = docs.reprint(
                session, matter_id=matter_id, document_id=document_id,
                scope=SiteScope.of(acc, reason=reason),
                store=DocumentStore.for_data_dir(settings.data_dir), client=client(request),
            )  # fmt: skip
    except docs.DocumentError as e:
        return back(f"/console/matters/{matter_id}", str(e), error=True)
    return pdf_response(pdf, f"{doc.title}-{doc.issued_at:%Y%m%d}.pdf")


@router.get("/persons/{person_id}/dossier.pdf")
def dossier_pdf(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: Annotated[str, Query(max_length=200, description="跨院查阅的理由")] = "",
) -> Response:
    try:
        with unit_of_work(session):  # the read's audit row
            name, pdf = export(
                session, person_id=person_id, scope=SiteScope.of(acc, reason=reason),
                client=client(request), enc_key=settings.id_enc_key_bytes,
                evidence=getattr(request.app.state, "evidence", None),
            )  # fmt: skip
    except dossier.NotFound as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    except docs.DocumentError as e:
        return back(f"/console/persons/{person_id}", str(e), error=True)
    return pdf_response(pdf, f"专人专档-{name}-{utcnow():%Y%m%d}.pdf")


def _site(acc: Admin, site: str) -> str:
    """An admin words their own site's papers; an admin of every site names one."""
    if acc.site is not None:
        return acc.site
    return site.strip()[:63]


def _templates_page(
    request: Request, session: Session, acc: Admin, site: str, *, msg: str = "",
    error: str = "", kind: str = "", draft: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    items = templates.all_for(session, site) if site else []
    ctx = {
        "site": site,
        "sites": _sites(session, acc),
        "items": items,
        "titles": {k.value: KINDS[k].title for k in DocKind} | {templates.HEADER: "院名（页眉）"},
        "placeholders": PLACEHOLDERS,
        "msg": msg,
        "error": error,
        "kind": kind,
        "draft": draft,
    }
    return render(request, "documents/templates.html", ctx, session=session, acc=acc,
                  status_code=status_code)  # fmt: skip


@router.get("/documents/templates", response_class=HTMLResponse)
def templates_page(
    request: Request,
    session: SessionDep,
    acc: Admin,
    site: Annotated[str, Query(max_length=63)] = "",
    msg: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    return _templates_page(request, session, acc, _site(acc, site), msg=msg)


@router.post("/documents/templates", response_class=HTMLResponse)
def templates_save(
    request: Request,
    session: SessionDep,
    acc: Admin,
    kind: Annotated[str, Form(max_length=24)],
    body: Annotated[str, Form(max_length=templates.MAX_BODY * 2)] = "",
    basis: Annotated[str, Form(max_length=templates.MAX_BASIS * 2)] = "",
    site: Annotated[str, Form(max_length=63)] = "",
    reset: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    where = _site(acc, site)
    if not where:
        return _templates_page(request, session, acc, "", error="请先选择院",
                               status_code=422)  # fmt: skip
    if reset:
        with FormAction(session, acc, back=TEMPLATES_PAGE, refusals=()) as act:
            templates.reset(session, site=where, kind=kind, actor=acc.username)
            act.done("已恢复默认文本", extra=f"&site={quote(where)}")
        return act.response
    try:
        with unit_of_work(session):
            templates.save(session, site=where, kind=kind, body=body, basis=basis,
                           actor=acc.username, now=utcnow())  # fmt: skip
    except templates.TemplateError as e:
        return _templates_page(request, session, acc, where, error=str(e), kind=kind,
                               draft=(body, basis), status_code=422)  # fmt: skip
    return back(TEMPLATES_PAGE, "已保存，新出具的文书使用此文本", extra=f"&site={quote(where)}")
