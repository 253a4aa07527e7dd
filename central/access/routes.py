"""Which gate each route declared, checked when the app is built.

``declared(app)`` walks every route (FastAPI's included routers too) and finds the
gates in its dependency tree: exactly one, or ``UndeclaredRoute``. The result is the
table the ``AccessMiddleware`` matches requests against, and the rows of the access
matrix (docs/security.md, ``zhifang central access-matrix``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from starlette.routing import Match, Mount
from starlette.types import Scope

from .gates import PUBLIC, Gate, UndeclaredRoute

DEFAULT_MAX_BODY = 1024 * 1024  # JSON and forms; larger only for routes that say so


@dataclass(frozen=True)
class Declared:
    methods: tuple[str, ...]
    path: str
    name: str
    gate: Gate
    max_body: int
    route: Any  # the route context, for matching

    def matches(self, scope: Scope) -> Match:
        match, _ = self.route.matches(scope)
        return match


def _gates(dep: Dependant | None) -> Iterator[Gate]:
    if dep is None:
        return
    for sub in dep.dependencies:
        if isinstance(sub.call, Gate):
            yield sub.call
        yield from _gates(sub)


# FastAPI's own routes when the app keeps them (openapi/docs are switched off in
# create_app; kept here so an app that turns them on must think about it)
_FRAMEWORK = frozenset({"openapi", "swagger_ui_html", "swagger_ui_redirect", "redoc_html"})


def declared(app: FastAPI, *, public_mounts: frozenset[str] = frozenset()) -> list[Declared]:
    """Every route with its gate. A mount (static files) is public only when listed in
    ``public_mounts`` by path."""
    rows: list[Declared] = []
    problems: list[str] = []
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        if isinstance(route, Mount):
            if route.path in public_mounts:
                rows.append(Declared(("GET", "HEAD"), route.path, route.name or "", PUBLIC,
                                     DEFAULT_MAX_BODY, rc))  # fmt: skip
            else:
                problems.append(f"mount {route.path}: not declared public")
            continue
        name = rc.name or ""
        if name in _FRAMEWORK:
            problems.append(f"{rc.path}: framework route left on")
            continue
        gates = list(dict.fromkeys(_gates(getattr(rc, "dependant", None))))
        methods = tuple(sorted(rc.methods or ()))
        if len(gates) != 1:
            what = "declares no gate" if not gates else f"declares {len(gates)} gates"
            problems.append(f"{'/'.join(methods)} {rc.path} ({name}) {what}")
            continue
        limit = getattr(rc, "max_body_size", None) or DEFAULT_MAX_BODY
        rows.append(Declared(methods, rc.path or "", name, gates[0], limit, rc))
    if problems:
        raise UndeclaredRoute("routes without exactly one gate:\n  " + "\n  ".join(problems))
    return rows


def find(table: list[Declared], scope: Scope) -> Declared | Match:
    """The route this request goes to (the first full match, as the router picks), or
    ``Match.PARTIAL`` (the path exists, not the method: 405) or ``Match.NONE`` (404)."""
    partial = False
    for row in table:
        match = row.matches(scope)
        if match is Match.FULL:
            return row
        partial = partial or match is Match.PARTIAL
    return Match.PARTIAL if partial else Match.NONE
