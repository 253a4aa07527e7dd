"""Gates: every route says who may call it, and nobody else gets in.

A gate is a FastAPI dependency a route declares (``acc: Worker``, or
``dependencies=[Depends(PUBLIC)]``). ``central.access.routes.check_declared`` makes
``create_app`` fail when a route declares no gate, or more than one. The
``AccessMiddleware`` finds the request's route and runs its gate *before* the route
reads its body or parameters, so a stranger learns nothing from a validation error;
the gate, as a dependency, then hands the principal to the handler.

Kinds of caller (``Kind``) and how each proves itself:

* ``staff``: a session cookie (``accounts.authn``); unsafe methods carry the session's
  CSRF token. The gate names the roles it admits.
* ``box``: a device-signed request (``devices.authn``, ``protocol.requests``).
* ``organ``: a bearer token of another organ (``sharing.authn``).
* ``provisioner``: a site's provisioning credential (``devices.authn``).
* ``public``: anybody; the list of public routes is short and written down
  (docs/security.md).

Errors::

    AccessError
    ├── Denied (also PermissionError)        401 / 403, with a message for a person
    └── UndeclaredRoute (also RuntimeError)  a route without exactly one gate
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request

from .errors import AccessError
from .principals import Anonymous, Box, Principal, Staff

ROLES = ("officer", "leader", "admin", "auditor")
PRINCIPAL_KEY = "zf_principal"
GATE_KEY = "zf_gate"


class Kind(StrEnum):
    public = "public"
    staff = "staff"
    box = "box"
    organ = "organ"
    provisioner = "provisioner"


class Denied(AccessError, PermissionError):
    """Refused: 401 (who are you?) or 403 (not you, or not this)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class UndeclaredRoute(AccessError, RuntimeError):
    """A route declares no gate, or more than one: the app refuses to start."""


class Authenticator(Protocol):
    """Proves one kind of caller. ``presented`` says whether the request carries this
    kind's credentials at all; ``authenticate`` checks them (``Denied(401)`` if they
    are wrong, stale or revoked)."""

    def presented(self, request: Request) -> bool: ...

    def authenticate(
        self, request: Request, body: Callable[[], Awaitable[bytes]]
    ) -> Awaitable[Principal]: ...


@dataclass(frozen=True, eq=False)
class Gate:
    """Who may call a route: kinds of caller and, for staff, their roles.

    ``note`` says in words what the route does with the caller's site (for the access
    matrix in docs/security.md)."""

    kinds: frozenset[Kind]
    roles: tuple[str, ...] = ()
    note: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.kinds:
            raise ValueError("a gate admits at least one kind of caller")
        if Kind.public in self.kinds and len(self.kinds) > 1:
            raise ValueError("a public gate admits everybody: name no other kind")
        if Kind.staff in self.kinds and not self.roles:
            raise ValueError("a staff gate names the roles it admits")
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")

    def describe(self) -> str:
        if Kind.public in self.kinds:
            return "public"
        parts = []
        for k in (Kind.staff, Kind.box, Kind.organ, Kind.provisioner):
            if k in self.kinds:
                parts.append(f"staff({','.join(self.roles)})" if k is Kind.staff else k.value)
        return " | ".join(parts)

    async def __call__(self, request: Request) -> Any:
        """As a dependency: the principal the middleware admitted for this gate. An app
        without the middleware (which ``create_app`` always installs) is refused."""
        state = request.scope.get("state") or {}
        if state.get(GATE_KEY) is not self:
            raise Denied(500, "access middleware not installed: refusing")
        return state[PRINCIPAL_KEY]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def admit(
    gate: Gate,
    request: Request,
    authenticators: Mapping[Kind, Authenticator],
    body: Callable[[], Awaitable[bytes]],
) -> Principal:
    """The principal this gate admits for ``request``, or ``Denied``."""
    if Kind.public in gate.kinds:
        return Anonymous(_client(request))
    presented = [k for k, a in authenticators.items() if a.presented(request)]
    usable = [k for k in presented if k in gate.kinds]
    if not usable:
        if presented:
            raise Denied(403, "此接口不对这类调用方开放")
        raise Denied(401, "请先登录" if Kind.staff in gate.kinds else "请求未经认证")
    kind = usable[0]
    principal = await authenticators[kind].authenticate(request, body)
    if isinstance(principal, Staff) and principal.role not in gate.roles:
        raise Denied(403, "您的角色无权进行此操作" if request.method != "GET" else "无权访问此页面")
    return principal


# ---- the gates routes declare ---------------------------------------------------------

PUBLIC = Gate(frozenset({Kind.public}), note="anybody")
BOX = Gate(frozenset({Kind.box}), note="its own site's records only")
ORGAN = Gate(frozenset({Kind.organ}), note="only what was shared with the organ")


def staff(*roles: str, note: str = "own site; another site's record only with a reason") -> Gate:
    return Gate(frozenset({Kind.staff}), roles=roles, note=note)


READ = staff(*ROLES)
WORK = staff("officer", "leader", "admin")
LEAD = staff("leader", "admin")
ADMIN = staff("admin", note="own site")
AUDIT = staff("auditor", "admin")
# other organs and their tokens belong to no site (the console's 系统管理 · 有关单位)
ORGANS_ADMIN = staff("admin", note="organs belong to no site: any admin")
REGISTRY = Gate(
    frozenset({Kind.staff, Kind.provisioner}),
    roles=("admin",),
    note="an admin, or the site's provisioning credential; own site only",
)

Reader = Annotated[Staff, Depends(READ)]
Worker = Annotated[Staff, Depends(WORK)]
Leader = Annotated[Staff, Depends(LEAD)]
Admin = Annotated[Staff, Depends(ADMIN)]
Auditor = Annotated[Staff, Depends(AUDIT)]
BoxCaller = Annotated[Box, Depends(BOX)]
