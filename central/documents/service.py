"""Issue a paper for a matter, list what was issued, serve a reprint.

Issuing is a write on the matter (its own site only): the paper is filled from the
site's template and the matter as it stands, typeset, its PDF kept by hash, a leaf
appended to the evidence log naming the hash, and the issue audited, in one
transaction (``issue`` commits). A reprint is a read: the same bytes, their hash
checked, audited like every read of the matter (another site's with a reason).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.db import utcnow
from central.dossier.models import Person, Reception
from central.evidence.log import Entry, EvidenceLog
from central.workflow import service as wf
from central.workflow.clocks import clocks
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, TransitionRow
from protocol.petitions import CHANNEL_ZH, query_qr_text

from . import templates
from .errors import DocumentsError
from .kinds import KINDS, DocKind, fits, title
from .models import IssuedDocumentRow
from .render import Paper, RenderError, render
from .store import DocumentStore

LOCAL = ZoneInfo("Asia/Shanghai")


class DocumentError(DocumentsError, ValueError):
    """Why the paper cannot be issued or served, in Chinese."""


def cn_date(d: date | datetime) -> str:
    if isinstance(d, datetime):
        d = d.astimezone(LOCAL).date()
    return f"{d.year}年{d.month}月{d.day}日"


@dataclass(frozen=True)
class Offer:
    """A paper the matter page offers now."""

    kind: str
    title: str


def _actions(session: Session, matter_id: str) -> list[TransitionRow]:
    return list(
        session.scalars(
            select(TransitionRow)
            .where(TransitionRow.matter_id == matter_id)
            .order_by(TransitionRow.seq)
        )
    )


def offers(session: Session, matter_id: str) -> list[Offer]:
    """The papers that fit the matter's steps so far, in the order they come."""
    row = session.get(MatterRow, matter_id)
    if row is None:
        return []
    done = {t.action for t in _actions(session, matter_id)}
    return [Offer(k.value, title(k, row.channel)) for k in DocKind if fits(k, done)]


def _officer(session: Session, username: str) -> str:

    name = session.scalar(select(Account.display_name).where(Account.username == username))
    return name or f"工号 {username}"


def _site_name(session: Session, site: str | None, cfg: WorkflowConfig) -> str:
    """The header the site wrote in its templates, else its name in the sites file
    (ZHIFANG_SITES_FILE), else the shipped 人民检察院."""
    header = templates.get(session, site, templates.HEADER)
    if header.custom or not site:
        return header.body
    return cfg.sites.names(site).name or header.body


def values(
    session: Session, row: MatterRow, kind: DocKind, cfg: WorkflowConfig, now: datetime
) -> dict[str, str]:
    """What the placeholders say for this matter, now."""

    person = session.get(Person, row.person_id) if row.person_id else None
    _, m = wf.load(session, row.id)
    # a day past the loaded holiday calendar is printed as provisional, as every page says
    due = {
        c.kind.value: cn_date(c.due_on) + ("" if c.calendar_covered else "（待核定）")
        for c in clocks(m, cfg.rules, cfg.calendar, now)
    }
    after = KINDS[kind].after
    step = next((t for t in reversed(_actions(session, row.id)) if t.action == after), None)
    pending = "（待定）"
    return {
        "院名": _site_name(session, row.site, cfg),
        "信访人": person.name if person else "信访人",
        "文号": row.ref_no or "（未编号）",
        "查询码": row.query_code or "",
        "方式": CHANNEL_ZH.get(row.channel, row.channel),
        "收到日期": cn_date(row.registered_at),
        "诉求": row.summary or "",
        "承办人": _officer(session, row.officer_id),
        "决定日期": cn_date(step.at) if step else cn_date(now),
        "理由": (step.reason if step else "") or "（见附件）",
        "转办机关": str((step.details or {}).get("target_organ", "")) if step else "",
        "程序性答复期限": due.get("procedural_reply", pending),
        "受理决定期限": due.get("acceptance_decision", pending),
        "办理期限": due.get("handling", pending),
        "结果答复期限": due.get("result_reply", pending),
        "复查申请天数": str(cfg.rules.review_request.limit),
    }


def compose(
    session: Session, row: MatterRow, kind: DocKind, cfg: WorkflowConfig, now: datetime
) -> tuple[Paper, str]:
    """The paper and the hash of the template it was filled from."""
    t = templates.get(session, row.site, kind.value)
    v = values(session, row, kind, cfg, now)
    body = t.body.format_map(v)
    paras = [p.strip() for p in body.split("\n\n") if p.strip()]
    receipt = kind is DocKind.receipt and row.ref_no and row.query_code
    paper = Paper(
        header=v["院名"],
        title=title(kind, row.channel),
        ref_no=row.ref_no or "",
        paragraphs=paras,
        basis=t.basis,
        footer=f"{v['院名']}\n{cn_date(now)}",
        qr_text=query_qr_text(row.ref_no or "", row.query_code or "") if receipt else None,
        qr_caption="扫码查询办理进度" if receipt else "",
    )
    return paper, t.sha256


def issue(
    session: Session,
    *,
    matter_id: str,
    kind: str,
    scope: SiteScope,
    log: EvidenceLog,
    store: DocumentStore,
    cfg: WorkflowConfig,
    now: datetime | None = None,
) -> IssuedDocumentRow:
    """Issue the paper (commits). ``DocumentError`` when it does not fit the matter."""
    now = now or utcnow()
    wf.guard(session, matter_id, scope, write=True)
    try:
        k = DocKind(kind)
    except ValueError as e:
        raise DocumentError("没有这种文书") from e
    row = session.get(MatterRow, matter_id)
    if row is None:
        raise DocumentError("事项不存在")
    done = {t.action for t in _actions(session, matter_id)}
    if not fits(k, done):
        raise DocumentError(f"该事项尚无相应步骤，不能出具{title(k, row.channel)}")
    try:
        paper, template_sha = compose(session, row, k, cfg, now)
        pdf = render(paper)
        digest = store.put(pdf)
        record = {
            "type": "zhifang-document/1",
            "matter_id": matter_id,
            "kind": k.value,
            "sha256": digest,
            "size": len(pdf),
            "template_sha256": template_sha,
            "issued_at": now.isoformat(timespec="seconds"),
            "issued_by": scope.actor,
        }
        data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        leaf_data = data.encode()
        (leaf,) = log.append(
            session, [Entry(data=leaf_data, manifest_hash=hashlib.sha256(leaf_data).hexdigest())]
        )
        doc = IssuedDocumentRow(
            id=str(uuid.uuid4()), matter_id=matter_id, person_id=row.person_id, site=row.site,
            kind=k.value, title=paper.title, sha256=digest, size=len(pdf),
            template_sha256=template_sha, leaf_index=leaf, issued_by=scope.actor, issued_at=now,
        )  # fmt: skip
        session.add(doc)
        audit.record(
            session,
            actor=scope.actor,
            action="document.issue",
            target=f"matter:{matter_id}",
            reason=f"出具{paper.title}（SHA-256 {digest[:16]}…，证据日志第 {leaf} 项）",
        )
        session.commit()
    except RenderError as e:
        session.rollback()
        raise DocumentError(str(e)) from e
    except BaseException:
        session.rollback()
        raise
    return doc


def for_matter(session: Session, matter_id: str) -> list[IssuedDocumentRow]:
    return list(
        session.scalars(
            select(IssuedDocumentRow)
            .where(IssuedDocumentRow.matter_id == matter_id)
            .order_by(IssuedDocumentRow.issued_at)
        )
    )


def for_person(session: Session, person_id: str) -> list[IssuedDocumentRow]:
    """Papers addressed to the person, or issued on any of their matters."""

    mids = select(MatterPersonRow.matter_id).where(MatterPersonRow.person_id == person_id)
    return list(
        session.scalars(
            select(IssuedDocumentRow)
            .where(
                (IssuedDocumentRow.person_id == person_id) | IssuedDocumentRow.matter_id.in_(mids)
            )
            .order_by(IssuedDocumentRow.issued_at)
        )
    )


def reprint(
    session: Session,
    *,
    matter_id: str,
    document_id: str,
    scope: SiteScope,
    store: DocumentStore,
    client: str | None = None,
) -> tuple[IssuedDocumentRow, bytes]:
    """The paper's bytes as issued; the read is audited (the caller commits)."""
    cross = wf.guard(session, matter_id, scope, write=False)
    doc = session.get(IssuedDocumentRow, document_id)
    if doc is None or doc.matter_id != matter_id:
        raise DocumentError("没有这份文书")
    try:
        pdf = store.get(doc.sha256)
    except OSError as e:
        raise DocumentError("文书文件缺失，不能重印") from e
    audit.record(
        session,
        actor=scope.actor,
        action="document.read",
        target=f"matter:{matter_id}",
        reason=scope.audit_reason(cross, f"打印{doc.title}（{cn_date(doc.issued_at)}出具）"),
        client=client,
    )
    return doc, pdf


def box_receipt(
    session: Session,
    *,
    matter_id: str,
    device: str,
    site: str,
    officer: str,
    log: EvidenceLog,
    store: DocumentStore,
    cfg: WorkflowConfig,
    client: str | None = None,
) -> tuple[IssuedDocumentRow, bytes]:
    """The 回执 a desk prints for the matter it registered: the one already issued (the
    same bytes), else issued now in the desk's name. Only the box whose reception
    opened the matter, at its own site; ``PermissionError`` otherwise, ``LookupError``
    when central has not received the matter yet (the box's 登记 is still queued)."""

    row = session.get(MatterRow, matter_id)
    if row is None:
        raise LookupError("中心尚未收到该事项的登记，请稍后再打印")
    opened_by = (
        session.scalar(select(Reception.device).where(Reception.id == row.reception_id))
        if row.reception_id
        else None
    )
    if row.site != site or opened_by != device:
        raise PermissionError("该事项不是本接访终端登记的，不能打印其回执")
    actor = f"device:{device}/{officer or '?'}"
    scope = SiteScope(actor, site, "", may_cross=False)
    done = session.scalars(
        select(IssuedDocumentRow)
        .where(IssuedDocumentRow.matter_id == matter_id, IssuedDocumentRow.kind == "receipt")
        .order_by(IssuedDocumentRow.issued_at.desc())
    ).first()
    if done is None:
        done = issue(session, matter_id=matter_id, kind="receipt", scope=scope, log=log,
                     store=store, cfg=cfg)  # fmt: skip
    doc, pdf = reprint(session, matter_id=matter_id, document_id=done.id, scope=scope,
                       store=store, client=client)  # fmt: skip
    session.commit()
    return doc, pdf
