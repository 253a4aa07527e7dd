"""The site-scope rule, one for every path (API, console, awareness, sharing,
evidence, hearings, exports): services call it with the sites a record belongs to.

* Staff work on their own site. Reading another site's record needs a stated reason
  (a petitioner moved; a joint reception) and is audited as a cross-site read; the
  reason is what the audit row says. Writing to another site's record is refused.
* An account of every site (org ``*``, a city office) reads and writes everywhere.
* A box reads and writes its own site's records only, and gives no reasons.
* A record that belongs to no site yet (nobody has received the person) is nobody's
  to protect across sites: anyone admitted to the route sees it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .errors import AccessError
from .principals import Box, Principal, Staff

MIN_REASON = 2


class ReasonRequired(AccessError, PermissionError):
    """Another site's record: say why (``reason``), and the read is audited."""

    code = "reason_required"

    def __init__(self, message: str, *, site: str) -> None:
        super().__init__(message)
        self.site = site


class OtherSite(AccessError, PermissionError):
    """Another site's record: reading it is not allowed (a box), or writing it."""

    code = "other_site"


@dataclass(frozen=True)
class SiteScope:
    actor: str
    site: str | None  # None: every site
    reason: str = ""
    may_cross: bool = True  # staff may read across sites with a reason; a box may not

    @classmethod
    def of(cls, principal: Principal, *, reason: str = "") -> SiteScope:
        if isinstance(principal, Staff):
            return cls(principal.actor, principal.site, reason.strip()[:500])
        if isinstance(principal, Box):
            return cls(principal.actor, principal.site, "", may_cross=False)
        # organs, provisioners and the public reach records only through their own
        # narrow routes (shared matters, devices of their site, published records)
        return cls(principal.actor, "\0nowhere", "", may_cross=False)

    @classmethod
    def everywhere(cls, actor: str, *, reason: str = "") -> SiteScope:
        """Central's own jobs and the CLI (run by whoever runs the server)."""
        return cls(actor, None, reason)

    def owns(self, record_sites: Collection[str]) -> bool:
        return self.site is None or not record_sites or self.site in record_sites

    def read(self, record_sites: Collection[str], *, what: str) -> str:
        """May read: '' for one's own site's record, else the audit reason of the
        cross-site read. Raises ``ReasonRequired`` or ``OtherSite``."""
        if self.owns(record_sites):
            return ""
        if not self.may_cross:
            raise OtherSite(f"{what}不属于本院（{self.site}），不能查阅")
        if len(self.reason) < MIN_REASON:
            raise ReasonRequired(
                f"{what}属于其他院（{'、'.join(sorted(record_sites))}），跨院查阅须说明理由",
                site=str(self.site),
            )
        return f"跨院查阅（{self.site}）：{self.reason}"

    def write(self, record_sites: Collection[str], *, what: str) -> None:
        if not self.owns(record_sites):
            raise OtherSite(f"{what}属于其他院（{'、'.join(sorted(record_sites))}），不能更改")

    def audit_reason(self, cross: str, default: str = "") -> str:
        """What the audit row says: the cross-site reason, else the stated one."""
        return cross or self.reason or default
