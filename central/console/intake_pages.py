"""登记来信来电: the clerk's form for a petition that came without a desk box (a
letter with its scan, a 12309 call or online petition, a visit without a box, a case
transferred from another organ). One page: filled in, checked against the dossiers
(who it is, whether it repeats an open matter), then registered; the service
(``central.intake.service``) does the work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from central.access.gates import Reader, Worker
from central.access.scope import SiteScope
from central.database import unit_of_work
from central.db import utcnow
from central.deps import SessionDep, SettingsDep
from central.dossier.models import Person
from central.intake import letters
from central.intake import service as intake
from central.intake.files import (
    ACCEPT,
    MAX_BYTES,
    AttachmentStore,
    Upload,
    UploadRefused,
    sniff,
)
from protocol.petitions import CATEGORIES, CHANNEL_LONG_ZH, RECEIVED_ZH

from .actions import back, client
from .templating import LOCAL, render

router = APIRouter()
FIELDS = (
    "channel", "received_on", "received_time", "person_id", "name", "id_number", "phone",
    "township", "address", "request", "category", "source_organ", "source_ref", "officer_id",
    "site",
)  # fmt: skip


def _sites(session: Any, acc: Any) -> list[str]:
    """Where the clerk may register: their own site, or (an account of every site)
    each site known from its desks and accounts."""
    if acc.site is not None:
        return [acc.site]
    return letters.known_sites(session)


def _page(
    request: Request, session: Any, acc: Any, values: dict[str, str], *,
    error: str = "", field: str = "", preview: intake.Preview | None = None,
    scan: Upload | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    site = values.get("site") or (acc.site or "")
    sites = _sites(session, acc)
    person = None
    if values.get("person_id"):
        person = session.get(Person, values["person_id"])
    ctx = {
        "v": values,
        "error": error,
        "field": field,
        "preview": preview,
        "scan": scan,
        "person": person,
        "channels": CHANNEL_LONG_ZH,
        "received_zh": RECEIVED_ZH,
        "date_only": sorted(intake.DATE_ONLY),
        "categories": CATEGORIES,
        "officers": intake.officers(session, site) if site else [],
        "sites": sites,
        "accept": ACCEPT,
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "intake.html", ctx, session=session, acc=acc, status_code=status_code)


@router.get("/intake", response_class=HTMLResponse)
def intake_form(
    request: Request,
    session: SessionDep,
    acc: Worker,
    person_id: str = "",
    channel: str = "letter",
) -> HTMLResponse:
    now = utcnow().astimezone(LOCAL)
    values = {
        "channel": channel if channel in CHANNEL_LONG_ZH else "letter",
        "received_on": now.date().isoformat(),
        "received_time": now.strftime("%H:%M"),
        "person_id": person_id[:36],
        "officer_id": acc.username,
        "site": acc.site or "",
    }
    return _page(request, session, acc, values)


@router.post("/intake", max_body_size=MAX_BYTES + 1024 * 1024)
async def intake_post(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Worker,
    scan: Annotated[UploadFile | None, File(description="来信扫描件")] = None,
    scan_sha256: Annotated[str, Form(max_length=64)] = "",
    scan_name: Annotated[str, Form(max_length=200)] = "",
    confirm_new: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "")[:2000] for k in FIELDS}
    site = values["site"] or acc.site or ""
    if site not in _sites(session, acc):
        return _page(request, session, acc, values, error="请选择登记的院", field="site",
                     status_code=422)  # fmt: skip
    store = AttachmentStore.for_data_dir(settings.data_dir)
    upload: Upload | None = None
    try:
        if scan is not None and scan.filename:
            upload = store.put(scan.filename, await scan.read(MAX_BYTES + 1))
        elif scan_sha256:  # the scan sent with the first submission, kept by its hash
            kept = store.get(scan_sha256)
            upload = Upload(scan_name or "扫描件", sniff(kept), len(kept), scan_sha256)
    except (UploadRefused, OSError) as e:
        msg = str(e) if isinstance(e, UploadRefused) else "扫描件已不在，请重新选择文件"
        return _page(request, session, acc, values, error=msg, field="scan", status_code=422)
    data: dict[str, Any] = {k: v for k, v in values.items() if v and k != "site"}
    data["confirm_new"] = confirm_new == "1"
    scope = SiteScope.of(acc)
    try:
        f = intake.parse(data)
        if not f.confirm_new:
            key = settings.id_hash_key_bytes
            p = intake.preview_to_confirm(session, f, hash_key=key, scope=scope)
            if p is not None:
                return _page(request, session, acc, values, preview=p, scan=upload)
        done = intake.register(
            session, f, keys=(settings.id_hash_key_bytes, settings.id_enc_key_bytes),
            scope=scope, site=site, log=request.app.state.evidence.log, upload=upload,
            config=request.app.state.workflow_config,
        )  # fmt: skip
    except intake.IntakeError as e:
        session.rollback()
        return _page(request, session, acc, values, error=str(e), field=e.field, scan=upload,
                     status_code=422)  # fmt: skip
    except intake.PossibleDuplicate as e:
        session.rollback()
        p = intake.Preview(None, [], e.found)
        return _page(request, session, acc, values, preview=p, scan=upload)
    msg = f"已登记：{done.ref_no or '事项'}" + ("，已为信访人新建档案" if done.new_person else "")
    return back(f"/console/matters/{done.matter_id}", msg)


@router.get("/matters/{matter_id}/attachments/{attachment_id}")
def attachment(
    matter_id: str,
    attachment_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    acc: Reader,
    reason: Annotated[str, Query(max_length=200, description="跨院查阅的理由")] = "",
) -> Response:
    """The letter's scan, as uploaded (its hash checked), for the matter's own site
    (another site's with a reason, audited like every read of the matter)."""
    try:
        with unit_of_work(session):  # the read's audit row
            row, data = letters.read_attachment(
                session, matter_id=matter_id, attachment_id=attachment_id,
                scope=SiteScope.of(acc, reason=reason),
                store=AttachmentStore.for_data_dir(settings.data_dir), actor=acc.username,
                client=client(request),
            )  # fmt: skip
    except letters.AttachmentUnavailable as e:
        return back(f"/console/matters/{matter_id}", str(e), error=True)
    return Response(
        data,
        media_type=row.media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f"inline; filename*=UTF-8''{_quoted(row.filename)}",
        },
    )


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def received_label(channel: str, at: datetime) -> str:
    """How the matter page says when it came: a letter's day, a call's minute."""
    fmt = "%Y-%m-%d" if channel in intake.DATE_ONLY else "%Y-%m-%d %H:%M"
    return f"{RECEIVED_ZH.get(channel, '收到时间')} {at.astimezone(LOCAL).strftime(fmt)}"
