"""Dependencies shared by the awareness API and console pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from pydantic import BeforeValidator, ValidationError

from central.access.gates import Reader
from central.access.scope import SiteScope
from central.api.workflow import ConfigDep, NowDep
from central.awareness.charts import Ctx
from central.awareness.filters import Filters
from central.awareness.kpis import ClockCache
from central.awareness.profile import Profile, person_profile
from central.deps import SessionDep, SettingsDep

DEFAULT_DAYS = 30


def _iso_date(value: object) -> object:
    """Only ``YYYY-MM-DD``: pydantic also reads a number as a Unix time, so ``end=0``
    meant 1970-01-01 (schemathesis)."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


IsoDate = Annotated[date | None, BeforeValidator(_iso_date)]


def get_filters(
    config: ConfigDep,
    now: NowDep,
    start: Annotated[IsoDate, Query(description="first local date")] = None,
    end: Annotated[IsoDate, Query(description="last local date (inclusive)")] = None,
    township: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> Filters:
    """The period defaults to the last 30 days up to today (local)."""
    today = now.astimezone(config.rules.tz).date()
    end = end or today
    if start is None:  # 30 days up to ``end``; not before year 1 (Filters refuses it)
        start = end - min(timedelta(days=DEFAULT_DAYS - 1), end - date.min)
    try:
        return Filters(start=start, end=end, township=township or None, category=category or None)
    except ValidationError as e:
        msg = "; ".join(str(x["msg"]).removeprefix("Value error, ") for x in e.errors())
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=msg) from e


FiltersDep = Annotated[Filters, Depends(get_filters)]


def get_ctx(
    request: Request, session: SessionDep, f: FiltersDep, config: ConfigDep, now: NowDep
) -> Ctx:
    cache = getattr(request.app.state, "awareness_clock_cache", None)
    if cache is None:
        cache = request.app.state.awareness_clock_cache = ClockCache()
    return Ctx(session=session, f=f, tz=config.rules.tz, config=config, now=now, clock_cache=cache)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


def drill_dims(
    officer: str | None = None,
    kind: str | None = None,
    rating: str | None = None,
    organ: str | None = None,
    status_: Annotated[str | None, Query(alias="status")] = None,
    id_: Annotated[str | None, Query(alias="id")] = None,
) -> dict[str, str]:
    """The clicked key(s) of a chart (township and category come with the filters)."""
    pairs = {
        "officer": officer,
        "kind": kind,
        "rating": rating,
        "organ": organ,
        "status": status_,
        "id": id_,
    }
    return {k: v for k, v in pairs.items() if v}


DimsDep = Annotated[dict[str, str], Depends(drill_dims)]


def read_profile(
    person_id: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    config: ConfigDep,
    now: NowDep,
    acc: Reader,
    reason: Annotated[str, Query(max_length=500)] = "",
) -> Profile:
    """人员画像 of the path's person (the service audits and commits the read); 404 if
    unknown; another site's person only with a stated reason."""
    # no such person: NotFound, 404 (central.api.errors)
    return person_profile(
        session,
        person_id=person_id,
        scope=SiteScope.of(acc, reason=reason),
        client=request.client.host if request.client else None,
        enc_key=settings.id_enc_key_bytes,
        config=config,
        now=now,
    )


ProfileDep = Annotated[Profile, Depends(read_profile)]
