"""FastAPI dependencies as ``Annotated`` aliases: a handler's signature says what it needs.

Everything hangs off ``app.state`` (set by ``create_app``): no module-level engine.
Who is calling comes from the route's gate (``central.access``): ``ActorDep`` is what
the audit log writes for that caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from .access.gates import PRINCIPAL_KEY
from .access.principals import Principal
from .settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        request.state.db = session  # the page's name look-ups read in the same session
        yield session


def get_principal(request: Request) -> Principal:
    """The caller the route's gate admitted (the access middleware puts it here)."""
    state = request.scope.get("state") or {}
    if PRINCIPAL_KEY not in state:
        raise RuntimeError("no principal: the route's gate did not run")
    principal: Principal = state[PRINCIPAL_KEY]
    return principal


def get_actor(request: Request) -> str:
    """Who is asking, for the audit log: the admitted caller's name."""
    return get_principal(request).actor


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
ActorDep = Annotated[str, Depends(get_actor)]
