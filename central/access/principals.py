"""Who may be behind a request: staff, a box, an organ, a provisioning credential, or
anybody. Plain data: the authenticators (``accounts.authn``, ``devices.authn``,
``sharing.authn``) make them; handlers receive them from their route's gate.

Every principal has an ``actor`` (what the audit log writes) and, where it belongs to
one, a ``site``.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_SITES = "*"  # the org of an account that works across every site (a city office)


@dataclass(frozen=True, slots=True)
class Staff:
    """A logged-in account (session cookie; CSRF-checked on every change)."""

    id: int
    username: str
    display_name: str
    role: str
    org: str
    csrf: str

    @property
    def actor(self) -> str:
        return self.username

    @property
    def site(self) -> str | None:
        """The site this account works on; None for an account of every site."""
        return None if self.org == ALL_SITES else self.org

    def may(self, *roles: str) -> bool:
        return self.role in roles

    def sees_org(self, org: str | None) -> bool:
        return self.org == ALL_SITES or org == self.org


@dataclass(frozen=True, slots=True)
class Box:
    """A registered, unrevoked box that signed this request with its device key."""

    device: str
    site: str

    @property
    def actor(self) -> str:
        return f"device:{self.device}"


@dataclass(frozen=True, slots=True)
class Organ:
    """Another organ (police, bureau, township) by its bearer token."""

    organ_id: str
    token_id: str

    @property
    def actor(self) -> str:
        return f"organ:{self.organ_id}"


@dataclass(frozen=True, slots=True)
class Provisioner:
    """A site's provisioning credential: registers and revokes that site's boxes."""

    credential_id: str
    site: str
    label: str

    @property
    def actor(self) -> str:
        return f"provisioning:{self.site}:{self.credential_id}"


@dataclass(frozen=True, slots=True)
class Anonymous:
    """Anybody: only the public routes admit this."""

    client: str

    @property
    def actor(self) -> str:
        return f"public:{self.client}"


Principal = Staff | Box | Organ | Provisioner | Anonymous
