"""我的待办: an officer's (or a leader's) open matters, most urgent first, in pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from central.access.gates import Worker
from central.api.workflow import ConfigDep
from central.db import utcnow
from central.deps import SessionDep
from central.workflow.worklist import BUCKETS, worklist

from .templating import render

router = APIRouter()
PAGE = 50


@router.get("/work", response_class=HTMLResponse)
def work(
    request: Request,
    session: SessionDep,
    acc: Worker,
    cfg: ConfigDep,
    bucket: Annotated[str, Query(pattern="^(all|overdue|due_soon|todo)$")] = "all",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """Officers see the matters they handle; leaders those they lead (分管, or of the
    officers they lead); admins their site's."""
    who = {"officer": {"officer": acc.username}, "leader": {"leader": acc.username}}.get(
        acc.role, {"site": acc.site}
    )
    items = worklist(session, config=cfg, now=utcnow(), **who)
    counts = {b: sum(1 for w in items if w.bucket == b) for b in BUCKETS}
    shown = [w for w in items if bucket == "all" or w.bucket == bucket]
    ctx = {
        "items": shown[(page - 1) * PAGE : page * PAGE],
        "total": len(shown),
        "page": page,
        "pages": max(1, -(-len(shown) // PAGE)),
        "bucket": bucket,
        "counts": counts,
        "whose": {"officer": "我承办的", "leader": "我分管的"}.get(acc.role, "本院全部"),
    }
    return render(request, "work.html", ctx, session=session, acc=acc)
