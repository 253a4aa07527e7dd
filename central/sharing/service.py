"""Organs, their tokens (hashed at rest), what each may see, what they add.

Every organ request is audited in ``audit_log`` (actor ``organ:<id>``, the stated
purpose as the reason), refused ones too, so the auditor sees every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.audit import service as audit
from central.audit.models import AuditLog
from central.database import unit_of_work
from central.db import utcnow
from central.labels import ORGAN_KIND_ZH
from central.workflow.models import MatterRow
from central.workflow.scope import matter_sites

from .errors import SharingError
from .models import Contribution, MatterShare, OrganRow, OrganToken

KINDS = ORGAN_KIND_ZH
# matter fields an organ may be allowed to see (field-level scope); id is always shown
FIELDS = (
    "summary",
    "status",
    "registered_at",
    "risk_level",
    "risk_reason",
    "officer_id",
    "reply_at",
)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def create_organ(session: Session, *, id: str, name: str, kind: str, fields: list[str]) -> OrganRow:
    if not SLUG.match(id):
        raise SharingError("单位编号只能用小写字母、数字和连字符")
    if kind not in KINDS:
        raise SharingError(f"未知单位类别 {kind}")
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise SharingError(f"不可共享的字段：{'、'.join(bad)}；可选：{'、'.join(FIELDS)}")
    if session.get(OrganRow, id) is not None:
        raise SharingError(f"单位 {id} 已存在", status=409)
    row = OrganRow(
        id=id,
        name=name,
        kind=kind,
        fields=list(dict.fromkeys(fields)),
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, organ_id: str, label: str = "") -> tuple[OrganToken, str]:
    """A new token; the secret is returned once and only its SHA-256 is stored."""
    if session.get(OrganRow, organ_id) is None:
        raise SharingError(f"单位不存在：{organ_id}", status=404)
    tid = secrets.token_hex(8)
    token = f"zfo_{tid}_{secrets.token_urlsafe(32)}"
    row = OrganToken(
        id=tid, organ_id=organ_id, token_sha256=_digest(token), label=label, created_at=utcnow()
    )
    session.add(row)
    session.flush()
    return row, token


def revoke_token(session: Session, token_id: str) -> None:
    row = session.get(OrganToken, token_id)
    if row is None:
        raise SharingError(f"令牌不存在：{token_id}", status=404)
    row.revoked_at = row.revoked_at or utcnow()


def authenticate(session: Session, token: str) -> tuple[OrganRow, OrganToken]:
    m = re.match(r"^zfo_([0-9a-f]{16})_", token)
    row = session.get(OrganToken, m.group(1)) if m else None
    # constant-time compare of the hashes: the id alone tells nothing about the secret
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(token)):
        raise SharingError("令牌无效", status=401)
    organ = session.get_one(OrganRow, row.organ_id)
    if row.revoked_at is not None or not organ.active:
        raise SharingError("令牌已吊销或单位已停用", status=401)
    return organ, row


def touch(session: Session, token_id: str, now: datetime) -> None:
    """Record the token's last use (a plain UPDATE: the caller's transaction began with
    a write, see ``rate.admit``)."""
    session.execute(update(OrganToken).where(OrganToken.id == token_id).values(last_used_at=now))


def set_rate(
    session: Session,
    *,
    organ_id: str | None = None,
    token_id: str | None = None,
    per_minute: int | None,
    per_day: int | None,
) -> OrganRow | OrganToken:
    """An organ's (for all its tokens) or one token's own limits; None = inherit."""
    row: OrganRow | OrganToken | None
    if token_id is not None:
        row = session.get(OrganToken, token_id)
        missing = f"令牌不存在：{token_id}"
    else:
        row = session.get(OrganRow, organ_id) if organ_id else None
        missing = f"单位不存在：{organ_id}"
    if row is None:
        raise SharingError(missing, status=404)
    row.rate_per_minute, row.rate_per_day = per_minute, per_day
    session.flush()
    return row


def log_access(
    session: Session, organ: str, action: str, target: str, purpose: str, client: str | None
) -> None:
    audit.record(
        session,
        actor=f"organ:{organ}",
        action=f"sharing.{action}",
        target=target,
        reason=purpose,
        client=client,
    )


def share(
    session: Session, *, matter_id: str, organ_id: str, scope: SiteScope, reason: str
) -> MatterShare:
    """Share a matter with an organ: only the caller's own site's matter."""
    by = scope.actor
    if session.get(MatterRow, matter_id) is None:
        raise SharingError(f"事项不存在：{matter_id}", status=404)
    scope.write(matter_sites(session, matter_id), what="该事项")
    if session.get(OrganRow, organ_id) is None:
        raise SharingError(f"单位不存在：{organ_id}", status=404)
    row = session.get(MatterShare, (matter_id, organ_id))
    if row is None:
        row = MatterShare(
            matter_id=matter_id,
            organ_id=organ_id,
            shared_by=by,
            shared_at=utcnow(),
            reason=reason[:500],
        )
        session.add(row)
        audit.record(
            session,
            actor=by,
            action="sharing.share",
            target=f"matter:{matter_id}",
            reason=f"共享给 {organ_id}：{reason}"[:500],
        )
        session.flush()
    return row


# ---- the admins' requests, each one unit of work (the change and its audit row) ----


def add_organ(
    session: Session, *, actor: str, id: str, name: str, kind: str, fields: list[str]
) -> OrganRow:
    """A new organ that may be given tokens and shared matters (audited, committed)."""
    with unit_of_work(session):
        o = create_organ(session, id=id, name=name, kind=kind, fields=fields)
        audit.record(
            session, actor=actor, action="sharing.organ.create", target=f"organ:{o.id}",
            reason=f"{name}；可见字段 {', '.join(o.fields)}",
        )  # fmt: skip
    return o


def grant_token(
    session: Session, *, actor: str, organ_id: str, label: str
) -> tuple[OrganToken, str]:
    """``issue_token``, audited and committed: the secret is returned this once."""
    with unit_of_work(session):
        row, token = issue_token(session, organ_id=organ_id, label=label)
        audit.record(
            session, actor=actor, action="sharing.token.issue", target=f"organ:{organ_id}",
            reason=label,
        )  # fmt: skip
    return row, token


def withdraw_token(session: Session, *, actor: str, token_id: str) -> None:
    """``revoke_token``, audited and committed."""
    with unit_of_work(session):
        revoke_token(session, token_id)
        audit.record(
            session, actor=actor, action="sharing.token.revoke", target=f"token:{token_id}"
        )


def change_rate(
    session: Session,
    *,
    actor: str,
    organ_id: str | None = None,
    token_id: str | None = None,
    per_minute: int | None,
    per_day: int | None,
) -> str:
    """``set_rate``, audited and committed; the audit target (``organ:…`` / ``token:…``)."""

    def said(n: int | None) -> str:
        return str(n) if n is not None else "沿用上级"

    target = f"token:{token_id}" if token_id is not None else f"organ:{organ_id}"
    with unit_of_work(session):
        set_rate(
            session, organ_id=organ_id, token_id=token_id, per_minute=per_minute,
            per_day=per_day,
        )  # fmt: skip
        audit.record(
            session, actor=actor, action="sharing.rate.set", target=target,
            reason=f"每分钟 {said(per_minute)}，每天 {said(per_day)}",
        )  # fmt: skip
    return target


def share_matter(
    session: Session, *, matter_id: str, organ_id: str, scope: SiteScope, reason: str
) -> MatterShare:
    """``share`` as a request of its own (committed); plans compose ``share``."""
    with unit_of_work(session):
        return share(session, matter_id=matter_id, organ_id=organ_id, scope=scope, reason=reason)


def _shared(session: Session, organ: OrganRow, matter_id: str) -> MatterRow:
    if session.get(MatterShare, (matter_id, organ.id)) is None:
        # the same answer whether or not the matter exists: nothing leaks
        raise SharingError("无权查看该事项", status=404)
    return session.get_one(MatterRow, matter_id)


def view(session: Session, organ: OrganRow, matter_id: str) -> dict[str, Any]:
    """The matter as this organ may see it: its allowed fields and every organ's additions."""
    m = _shared(session, organ, matter_id)
    out: dict[str, Any] = {"id": m.id}
    for f in organ.fields:
        v = getattr(m, f)
        out[f] = v.isoformat() if hasattr(v, "isoformat") else v
    out["contributions"] = _contributions(session, matter_id)  # shared with this organ
    return out


def shared_matters(session: Session, organ: OrganRow) -> list[dict[str, Any]]:
    ids = session.scalars(select(MatterShare.matter_id).where(MatterShare.organ_id == organ.id))
    return [view(session, organ, mid) for mid in ids]


def contribute(
    session: Session,
    organ: OrganRow,
    token: OrganToken,
    *,
    matter_id: str,
    kind: str,
    body: str,
    level: str | None,
    purpose: str,
) -> Contribution:
    """An organ adds information or a warning to a matter shared with it (committed;
    the organ's request itself is audited by the API's ``organ_deps``)."""
    with unit_of_work(session):
        _shared(session, organ, matter_id)
        if kind == "warning" and level not in ("low", "medium", "high"):
            raise SharingError("预警须给出等级 low / medium / high")
        row = Contribution(
            matter_id=matter_id,
            organ_id=organ.id,
            token_id=token.id,
            kind=kind,
            level=level if kind == "warning" else None,
            body=body,
            purpose=purpose,
            details={},
            created_at=utcnow(),
        )
        session.add(row)
    return row


def contributions(session: Session, matter_id: str, *, scope: SiteScope) -> list[dict[str, Any]]:
    """What organs added to a matter (the caller's own site's, or with a reason)."""
    scope.read(matter_sites(session, matter_id), what="该事项")
    return _contributions(session, matter_id)


def _contributions(session: Session, matter_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Contribution, OrganRow.name)
        .join(OrganRow)
        .where(Contribution.matter_id == matter_id)
        .order_by(Contribution.id)
    ).all()
    return [
        {
            "id": c.id,
            "organ": c.organ_id,
            "organ_name": name,
            "kind": c.kind,
            "level": c.level,
            "body": c.body,
            "at": c.created_at.isoformat(),
        }
        for c, name in rows
    ]


def audit_trail(
    session: Session, *, organ_id: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    q = select(AuditLog).where(AuditLog.action.like("sharing.%"))
    if organ_id:
        q = q.where(AuditLog.actor == f"organ:{organ_id}")
    rows = session.scalars(q.order_by(AuditLog.id.desc()).limit(limit))
    return [
        {
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "purpose": r.reason,
            "client": r.client,
        }
        for r in rows
    ]
