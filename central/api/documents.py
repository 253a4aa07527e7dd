"""``GET /api/box/matters/{matter_id}/receipt.pdf``: the desk prints the 回执 of the
matter it registered (device-signed; see ``service.box_receipt``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import Response

from central.access.gates import BoxCaller
from central.api.workflow import ConfigDep
from central.deps import SessionDep, SettingsDep, client_address
from central.documents import service
from central.documents.store import DocumentStore

router = APIRouter(prefix="/api/box/matters", tags=["box"])


@router.get("/{matter_id}/receipt.pdf")
def receipt(
    matter_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    box: BoxCaller,
    cfg: ConfigDep,
    officer: Annotated[
        str, Header(alias="X-Zhifang-Officer", max_length=64, description="officer at the desk")
    ] = "",
) -> Response:
    # a paper that cannot be issued: DocumentError, 422 (central.api.errors)
    try:
        doc, pdf = service.box_receipt(
            session, matter_id=matter_id, device=box.device, site=box.site, officer=officer,
            log=request.app.state.evidence.log,
            store=DocumentStore.for_data_dir(settings.data_dir), cfg=cfg,
            client=client_address(request),
        )  # fmt: skip
    except PermissionError as e:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(e)) from e
    except LookupError as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(e)) from e
    headers = {"Cache-Control": "no-store", "X-Zhifang-Sha256": doc.sha256}
    return Response(pdf, media_type="application/pdf", headers=headers)
