"""Other organs and their API tokens from the console: create an organ, issue a token
(its secret shown once), list tokens (never their secrets), revoke one with a reason.
``central.sharing.service`` does the work (the API uses it too).

Organs belong to no site: like ``/api/sharing/organs``, any admin manages them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.principals import Staff
from central.audit import service as audit
from central.sharing import service as sharing
from central.sharing.models import OrganRow, OrganToken

from .common import Refused, committed, reason

KINDS = sharing.KINDS
FIELDS = sharing.FIELDS


@dataclass(frozen=True)
class Organ:
    row: OrganRow
    tokens: Sequence[OrganToken]  # newest first


def listed(session: Session) -> list[Organ]:
    organs = session.scalars(select(OrganRow).order_by(OrganRow.name)).all()
    tokens = session.scalars(select(OrganToken).order_by(OrganToken.created_at.desc())).all()
    return [Organ(o, [t for t in tokens if t.organ_id == o.id]) for o in organs]


def create(
    session: Session, acc: Staff, *, id: str, name: str, kind: str, fields: list[str]
) -> OrganRow:
    name = name.strip()
    if not name:
        raise Refused("请填写单位名称", field="name")
    if not fields:
        raise Refused("请至少选择一项可见内容", field="fields")

    def change() -> OrganRow:
        try:
            row = sharing.create_organ(
                session, id=id.strip(), name=name[:200], kind=kind, fields=fields
            )
        except sharing.SharingError as e:
            field = "id" if "编号" in str(e) or "已存在" in str(e) else "kind"
            raise Refused(str(e), field=field) from e
        audit.record(
            session, actor=acc.actor, action="sharing.organ.create", target=f"organ:{row.id}",
            reason=f"{row.name}；可见字段 {', '.join(row.fields)}",
        )  # fmt: skip
        return row

    return committed(session, change)


def issue(session: Session, acc: Staff, organ_id: str, *, label: str) -> tuple[OrganToken, str]:
    """A new token and its secret: shown to the admin once, stored only as its hash."""
    label = label.strip()[:200]
    if not label:
        raise Refused("请说明令牌的用途或持有人", field="label")

    def change() -> tuple[OrganToken, str]:
        try:
            row, secret = sharing.issue_token(session, organ_id=organ_id, label=label)
        except sharing.SharingError as e:
            raise Refused(str(e)) from e
        audit.record(
            session, actor=acc.actor, action="sharing.token.issue", target=f"organ:{organ_id}",
            reason=label,
        )  # fmt: skip
        return row, secret

    return committed(session, change)


def revoke(session: Session, acc: Staff, token_id: str, *, why: str) -> OrganToken:
    row = session.get(OrganToken, token_id)
    if row is None:
        raise Refused("没有这个令牌")
    stated = reason(why)
    if row.revoked_at is not None:
        raise Refused("该令牌已于此前吊销")

    def change() -> OrganToken:
        sharing.revoke_token(session, token_id)
        audit.record(
            session, actor=acc.actor, action="sharing.token.revoke", target=f"token:{token_id}",
            reason=stated,
        )  # fmt: skip
        return row

    return committed(session, change)
