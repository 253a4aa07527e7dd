"""FastAPI dependencies as ``Annotated`` aliases: a handler's signature says what it needs.

Everything hangs off ``app.state`` (set by ``create_app``): no module-level engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from .settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


def get_actor(request: Request, x_actor: Annotated[str | None, Header()] = None) -> str:
    """Who is asking, for the audit log. Until accounts exist (workflow issue) this is
    the ``X-Actor`` header, else the client address."""
    if x_actor:
        return x_actor.strip()[:200]
    client = request.client
    return f"client:{client.host}" if client else "client:unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[str, Depends(get_actor)]
