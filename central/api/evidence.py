"""HTTP API of the evidence log (``/api/evidence``): uploads, checkpoints, proofs.

Resumable upload: ``POST /uploads`` with the signed manifest → ``upload_id``;
``PUT /uploads/{id}?offset=N`` with raw bytes (repeat; ``GET /uploads/{id}`` tells
where to resume); ``POST /uploads/{id}/finalize`` → receipt, or 422 with the reason.
The service lives on ``app.state.evidence`` (an ``EvidenceService``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from central.access.gates import PUBLIC, BoxCaller, Reader
from central.access.principals import Box
from central.access.scope import SiteScope
from central.deps import SessionDep, client_address
from central.evidence import recordings
from central.evidence.playback import TARGETS
from central.evidence.service import MAX_CHUNK, EvidenceService, Parked
from central.openapi import file_answer
from central.params import COUNT_MAX
from protocol import keys
from protocol.evidence import MAX_JSON_BYTES, parse_signed_manifest

router = APIRouter(prefix="/api/evidence", tags=["evidence"])
PUBLIC_ROUTE = [Depends(PUBLIC)]  # the log's checkpoint and proofs are for anyone


def get_service(request: Request) -> EvidenceService:
    service: EvidenceService = request.app.state.evidence
    return service


ServiceDep = Annotated[EvidenceService, Depends(get_service)]


class UploadStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upload_id: str = Field(description="id to PUT chunks to")
    received: int = Field(description="bytes received so far: the next offset")
    size: int = Field(description="bytes the manifest announces")
    status: str = Field(description="open / parked / done / refused")
    reason: str | None = Field(default=None, description="why it was refused")


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past ``limit`` without buffering the rest."""
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise HTTPException(
                413, detail={"reason": "too_large", "message": f"more than {limit} bytes"}
            )
    return bytes(buf)


def _caller(box: Box) -> dict[str, str]:
    """Who calls, as the service wants it: the box the signed request proved."""
    return {"caller_device": box.device, "caller_site": box.site}


def _status(up: Any) -> UploadStatus:

    size = parse_signed_manifest(up.manifest).manifest.size
    return UploadStatus(
        upload_id=up.id, received=up.received, size=size, status=up.status, reason=up.reason
    )


@router.post("/uploads", status_code=201)
async def init_upload(
    request: Request, session: SessionDep, svc: ServiceDep, box: BoxCaller
) -> UploadStatus:
    body = await _body(request, MAX_JSON_BYTES)
    caller = _caller(box)
    up = svc.init_upload(session, manifest_bytes=body, **caller)
    return _status(up)


@router.get("/uploads/{upload_id}")
def upload_status(
    upload_id: str, session: SessionDep, svc: ServiceDep, box: BoxCaller
) -> UploadStatus:
    caller = _caller(box)
    return _status(svc.get_upload(session, upload_id, **caller))


@router.put("/uploads/{upload_id}", max_body_size=MAX_CHUNK)
async def put_chunk(
    upload_id: str,
    request: Request,
    session: SessionDep,
    svc: ServiceDep,
    box: BoxCaller,
    offset: Annotated[int, Query(ge=0, le=COUNT_MAX)],
) -> UploadStatus:
    caller = _caller(box)
    data = await _body(request, MAX_CHUNK)
    up = svc.put_chunk(session, upload_id=upload_id, offset=offset, data=data, **caller)
    return _status(up)


@router.post("/uploads/{upload_id}/finalize")
def finalize(upload_id: str, session: SessionDep, svc: ServiceDep, box: BoxCaller) -> Any:
    """The receipt (200); or 202 ``{"status": "parked"}`` while central does not know
    the reception yet: the box keeps the segment and asks again later."""
    caller = _caller(box)
    receipt = svc.finalize(session, upload_id=upload_id, **caller)
    if isinstance(receipt, Parked):
        return JSONResponse(
            {"status": "parked", "upload_id": receipt.upload_id, "reason": receipt.reason},
            status_code=202,
        )
    return receipt.as_dict()


@router.get(
    "/checkpoint", dependencies=PUBLIC_ROUTE, response_class=Response,
    responses=file_answer("text/plain", description="the signed checkpoint (a note)"),
)  # fmt: skip
def checkpoint(session: SessionDep, svc: ServiceDep) -> Response:
    raw = svc.checkpoint(session)
    return Response(raw, media_type="text/plain; charset=utf-8")


@router.get("/log-key", dependencies=PUBLIC_ROUTE)
def log_key(svc: ServiceDep) -> dict[str, str]:
    return {"vkey": svc.log.verifier.vkey()}


@router.get("/proofs/inclusion", dependencies=PUBLIC_ROUTE)
def inclusion(
    session: SessionDep,
    svc: ServiceDep,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    try:
        proof = svc.log.inclusion_proof(session, index, size)
    except ValueError as e:
        raise HTTPException(422, detail={"reason": "bad_range", "message": str(e)}) from e
    return {"leaf_index": index, "tree_size": size, "hashes": [keys.b64e(h) for h in proof]}


@router.get("/proofs/consistency", dependencies=PUBLIC_ROUTE)
def consistency(
    session: SessionDep,
    svc: ServiceDep,
    first: Annotated[int, Query(ge=0)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    try:
        proof = svc.log.consistency_proof(session, first, second)
    except ValueError as e:
        raise HTTPException(422, detail={"reason": "bad_range", "message": str(e)}) from e
    return {"first": first, "second": second, "hashes": [keys.b64e(h) for h in proof]}


@router.get("/receptions/{reception_id}")
def reception(
    reception_id: str,
    request: Request,
    session: SessionDep,
    svc: ServiceDep,
    acc: Reader,
    reason: str = "",
) -> dict[str, Any]:
    """A reception's recording and its verification state (for the console)."""
    return recordings.read_status(
        session, svc, reception_id=reception_id, scope=SiteScope.of(acc, reason=reason),
        client=client_address(request),
    )  # fmt: skip


def _check_hash(sha256: str) -> None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise HTTPException(422, detail={"reason": "bad_hash", "message": "not a SHA-256"})


MEDIA_TYPES = {"wav": "audio/wav", "y4m": "video/x-yuv4mpeg", "h264": "video/h264"}


@router.get(
    "/blobs/{sha256}", response_class=FileResponse,
    responses=file_answer(*MEDIA_TYPES.values(), "application/octet-stream",
                          description="the recorded segment as stored"),
)  # fmt: skip
def blob(
    sha256: str,
    request: Request,
    svc: ServiceDep,
    session: SessionDep,
    acc: Reader,
    reception: str,
    reason: str = "",
) -> FileResponse:
    """A stored segment of ``reception`` by content hash, for playback and download in
    the console: staff of the reception's site (another site's with a reason), and
    every playback is in the audit log (a recording is part of the person's dossier).
    The container comes from the signed manifest, not from the query."""
    _check_hash(sha256)
    found = recordings.play_segment(
        session, svc, reception_id=reception, sha256=sha256,
        scope=SiteScope.of(acc, reason=reason), client=client_address(request),
    )  # fmt: skip
    if found is None:
        raise HTTPException(
            404, detail={"reason": "not_found", "message": "该接访记录中没有此录音录像片段"}
        )
    path, m = found
    return FileResponse(path, media_type=MEDIA_TYPES.get(m.container, "application/octet-stream"))


@router.get(
    "/blobs/{sha256}/playable", response_class=FileResponse,
    responses=file_answer(*(m for _, m in TARGETS.values()), description="a playable copy"),
)  # fmt: skip
def playable_blob(
    sha256: str,
    request: Request,
    svc: ServiceDep,
    session: SessionDep,
    acc: Reader,
    reception: str,
    reason: str = "",
) -> FileResponse:
    """A browser-playable copy of a video segment (MP4 remuxed from H.264, WebM encoded
    from Y4M), made on first request and cached by the original's hash. The copy is
    derived, not evidence: the stored segment is untouched and stays downloadable
    from ``/blobs/{sha256}``. Staff only; every playback is audited like the original's.
    The segment is looked up in ``reception``'s signed manifests, which say its
    container and duration (nothing is taken from the query but the hash)."""
    _check_hash(sha256)
    copy = recordings.playable_copy(
        session, svc, reception_id=reception, sha256=sha256,
        scope=SiteScope.of(acc, reason=reason), client=client_address(request),
    )  # fmt: skip
    if copy is None:
        raise HTTPException(
            404, detail={"reason": "not_found", "message": "该接访记录中没有此录像片段"}
        )
    return FileResponse(
        copy.path,
        media_type=copy.media_type,
        filename=copy.filename,
        content_disposition_type="inline",
        headers={"X-Derived-From-Sha256": sha256},  # the copy's own bytes hash differently
    )
