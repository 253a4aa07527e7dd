"""Register a petition that came by letter, phone, online, a visit without a box, or
transferred from another organ: find the person (or make their dossier), warn of a
possible duplicate, open the matter with its clocks from when it was received, and
keep the letter's scan. One transaction per registration (the caller's session;
``register`` commits).

Duplicates: the same person's open matter with a similar request (most of one
request's character pairs in the other), or of the same category registered in the
last ``RECENT_DAYS``, whichever channel it came through. The clerk sees them and
either opens that matter or confirms this is a new one.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.access.scope import SiteScope
from central.accounts.models import Account
from central.audit import service as audit
from central.awareness.models import MatterTagRow
from central.db import utcnow
from central.dossier import crypto, matching
from central.dossier.matching import pinyin_key
from central.dossier.models import Person, new_id
from central.evidence.log import Entry, EvidenceLog
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.models import OPEN_STATUSES, MatterRow
from central.workflow.scope import person_sites
from central.workflow.states import Action, Command
from protocol.petitions import CATEGORIES, CHANNEL_ZH, RECEIVED_ZH, Channel

from .errors import IntakeBaseError
from .files import Upload
from .models import AttachmentRow

LOCAL = ZoneInfo("Asia/Shanghai")
MAX_AGE_DAYS = 366  # older petitions come in through the historical import
SKEW = timedelta(minutes=5)  # a clerk's "now" may run a little ahead of the server's
RECENT_DAYS = 60
SIMILAR_AT = 0.5
DATE_ONLY: frozenset[str] = frozenset({"letter", "transfer"})  # received on a day


class IntakeError(IntakeBaseError, ValueError):
    """What the clerk must correct, with the form field it is about."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class IntakeForm(BaseModel):
    """What the clerk entered. Either ``person_id`` (a known dossier) or a name."""

    channel: Channel
    received_on: date
    received_time: time | None = None  # calls, online and visits: when in the day
    person_id: str | None = Field(default=None, max_length=36)
    name: str = Field(default="", max_length=100)
    id_number: str = Field(default="", max_length=18)
    phone: str = Field(default="", max_length=32)
    township: str = Field(default="", max_length=200)
    address: str = Field(default="", max_length=200)
    request: str = Field(min_length=1, max_length=2000, description="诉求")
    category: str = Field(max_length=64)
    source_organ: str = Field(default="", max_length=200)
    source_ref: str = Field(default="", max_length=120)
    officer_id: str = Field(default="", max_length=64)
    confirm_new: bool = False  # the clerk saw the possible duplicates and goes on

    @field_validator("name", "id_number", "phone", "township", "address", "request",
                     "source_organ", "source_ref", "officer_id", mode="before")  # fmt: skip
    @classmethod
    def _strip(cls, v: object) -> object:
        return v.strip() if isinstance(v, str) else v

    @field_validator("id_number")
    @classmethod
    def _id(cls, v: str) -> str:
        v = v.upper()
        if v and not matching.valid_id_number(v):
            raise ValueError("身份证号不正确（18 位，末位校验码不符）")
        return v

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in CATEGORIES:
            raise ValueError(f"事项类别应为 {'、'.join(CATEGORIES)} 之一")
        return v

    @model_validator(mode="after")
    def _whole(self) -> IntakeForm:
        if not self.person_id and not self.name:
            raise ValueError("请选择已有当事人，或填写信访人姓名")
        if self.channel == "transfer" and not self.source_organ:
            raise ValueError("转来的事项须写明转来机关")
        return self

    def received_at(self) -> datetime:
        """When its clocks start: the day a letter or a transferred file arrived (the
        start of that day, Beijing time), else the time it came in."""
        t = time(0, 0) if self.channel in DATE_ONLY else (self.received_time or time(0, 0))
        return datetime.combine(self.received_on, t, LOCAL)


def parse(data: dict[str, object]) -> IntakeForm:
    """The form, or an ``IntakeError`` naming the first field to correct."""
    try:
        return IntakeForm.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = str(err["loc"][0]) if err["loc"] else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] in ("missing", "string_too_short"):
            msg = "必填"
        raise IntakeError(msg, field=where) from e


@dataclass(frozen=True)
class Known:
    """A person the form may mean, and why."""

    id: str
    name: str
    township: str | None
    reasons: tuple[str, ...]
    certain: bool  # the same ID number, or the same name and phone: this is them
    other_site: bool = False  # known only to other sites: shown without details


@dataclass(frozen=True)
class Duplicate:
    matter_id: str
    ref_no: str | None
    channel: str
    summary: str
    registered_at: datetime
    why: str


@dataclass(frozen=True)
class Preview:
    person: Known | None  # who it will be filed under (None: a new dossier)
    maybe: list[Known] = field(default_factory=list)  # similar records, not certain
    duplicates: list[Duplicate] = field(default_factory=list)


def _check_time(form: IntakeForm, now: datetime) -> datetime:
    at = form.received_at()
    label = RECEIVED_ZH[form.channel]
    if at > now + SKEW:
        raise IntakeError(f"{label}不能晚于现在", field="received_on")
    if at < now - timedelta(days=MAX_AGE_DAYS):
        raise IntakeError(
            f"{label}早于一年前：请用历史导入（系统管理 → 历史导入）", field="received_on"
        )
    return at


# a clerk is shown more than a merge is offered: a homophone alone is worth a look
SHOW_SIMILAR_AT = 350


def _known(p: Person, reasons: tuple[str, ...], certain: bool) -> Known:
    return Known(p.id, p.name, p.township, reasons, certain)


def find_person(session: Session, form: IntakeForm, *, hash_key: bytes) -> Preview:
    """Who the form means: the picked dossier; the same ID number; the same name and
    phone; else a new dossier, with records similar enough to show (name or homophone,
    phone)."""
    if form.person_id:
        p = session.get(Person, form.person_id)
        if p is None or p.merged_into:
            raise IntakeError("所选当事人不存在或已合并", field="person_id")
        return Preview(_known(p, ("所选当事人",), True))
    if form.id_number:
        h = crypto.id_number_hash(hash_key, form.id_number)
        p = session.scalar(select(Person).where(Person.id_number_hash == h))
        if p is not None:
            return Preview(_known(p, ("身份证号一致",), True))
    phone = matching.normalise_phone(form.phone)
    if phone and not form.id_number:
        p = session.scalar(
            select(Person)
            .where(Person.phone == phone, Person.name == form.name, Person.merged_into.is_(None))
            .order_by(Person.created_at)
            .limit(1)
        )
        if p is not None:
            return Preview(_known(p, ("姓名、电话一致",), True))
    conds = [Person.name == form.name, Person.name_pinyin == pinyin_key(form.name)]
    if phone:
        conds.append(Person.phone == phone)
    near = session.scalars(
        select(Person).where(or_(*conds), Person.merged_into.is_(None)).limit(200)
    ).all()
    new = matching.record(
        "new", form.name, hash_key=hash_key, id_number=form.id_number or None,
        phones=[phone] if phone else [], township=form.township,
    )  # fmt: skip
    by_id = {p.id: p for p in near}
    hits = matching.candidates(
        new,
        [
            matching.PersonRecord(
                p.id, p.name, p.id_number_hash, (p.phone,) if p.phone else (), p.township
            )
            for p in near
        ],
        at_least=SHOW_SIMILAR_AT,
    )
    return Preview(None, [_known(by_id[k.id], m.reasons, False) for k, m in hits[:5]])


def _pairs(text: str) -> set[str]:
    t = "".join(ch for ch in text if ch.isalnum())
    return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def similarity(a: str, b: str) -> float:
    """Shared character pairs over the shorter text's (Chinese has no spaces to split
    words on; pairs catch the same request retold in other words around it)."""
    pa, pb = _pairs(a), _pairs(b)
    if not pa or not pb:
        return 0.0
    return len(pa & pb) / min(len(pa), len(pb))


def duplicates(
    session: Session, person_id: str, form: IntakeForm, now: datetime
) -> list[Duplicate]:
    """The person's open matters this petition may repeat, by any channel."""
    rows = session.scalars(
        select(MatterRow).where(
            MatterRow.person_id == person_id, MatterRow.status.in_(OPEN_STATUSES)
        )
    ).all()

    out: list[Duplicate] = []
    for m in rows:
        s = similarity(form.request, m.summary or "")
        tag = session.get(MatterTagRow, m.id)
        recent = m.registered_at >= now - timedelta(days=RECENT_DAYS)
        if s >= SIMILAR_AT:
            why = f"诉求相近（{round(s * 100)}%）"
        elif tag is not None and tag.category == form.category and recent:
            why = f"同类（{form.category}）事项，{RECENT_DAYS} 天内登记"
        else:
            continue
        out.append(
            Duplicate(m.id, m.ref_no, CHANNEL_ZH.get(m.channel, m.channel), m.summary or "",
                      m.registered_at, why)
        )  # fmt: skip
    return sorted(out, key=lambda d: d.registered_at, reverse=True)


def _scoped(session: Session, k: Known, scope: SiteScope) -> Known:
    """Another site's person: the clerk learns only that a dossier exists (to file
    under it), not its details; reading them is the dossier page's, with a reason."""

    if scope.owns(person_sites(session, k.id)):
        return k
    return Known(k.id, k.name, None, k.reasons, k.certain, other_site=True)


def preview(
    session: Session, form: IntakeForm, *, hash_key: bytes, scope: SiteScope,
    now: datetime | None = None,
) -> Preview:  # fmt: skip
    """What registering would do (no writes but the audit of the look-up)."""
    now = now or utcnow()
    _check_time(form, now)
    found = find_person(session, form, hash_key=hash_key)
    # a similar record of another site is not offered: its name is not the clerk's
    maybe = [k for k in found.maybe if not _scoped(session, k, scope).other_site]
    person = _scoped(session, found.person, scope) if found.person else None
    dups = duplicates(session, person.id, form, now) if person and not person.other_site else []
    found = Preview(person, maybe, dups)
    shown = [found.person] if found.person else found.maybe
    if shown:  # names of other people were looked up: a read of personal data
        audit.record(
            session,
            actor=scope.actor,
            action="person.match",
            target=f"person:{shown[0].id}",
            reason=f"登记{CHANNEL_ZH[form.channel]}时查找当事人：{len(shown)} 条",
        )
    return found


def preview_to_confirm(
    session: Session, form: IntakeForm, *, hash_key: bytes, scope: SiteScope
) -> Preview | None:
    """The preview the clerk must confirm first (possible duplicates, or people who may
    be the petitioner), its look-up's audit row committed; ``None`` when there is
    nothing to confirm, the look-up left in the transaction that registers."""
    p = preview(session, form, hash_key=hash_key, scope=scope)
    if not (p.duplicates or (p.person is None and p.maybe)):
        return None
    session.commit()
    return p


@dataclass(frozen=True)
class Registered:
    matter_id: str
    ref_no: str | None
    person_id: str
    new_person: bool


def _new_person(session: Session, form: IntakeForm, keys: tuple[bytes, bytes]) -> Person:
    hash_key, enc_key = keys
    p = Person(
        id=new_id(),
        name=form.name,
        phone=matching.normalise_phone(form.phone) or None,
        township=form.township or None,
        address=form.address or None,
    )
    if form.id_number:
        p.id_number_hash = crypto.id_number_hash(hash_key, form.id_number)
        p.id_number_enc = crypto.encrypt_id_number(enc_key, form.id_number)
    session.add(p)
    session.flush()
    return p


def _update_person(p: Person, form: IntakeForm) -> None:
    """What the petitioner states now is where they live now; a phone only fills a gap."""
    if form.person_id:
        return  # a picked dossier is not rewritten from a form about something else
    p.township = form.township or p.township
    p.address = form.address or p.address
    p.phone = p.phone or matching.normalise_phone(form.phone) or None


Kind = Literal["letter_scan", "transfer_file"]


def attach(
    session: Session, log: EvidenceLog, *, matter_id: str, kind: Kind, upload: Upload,
    actor: str, now: datetime,
) -> AttachmentRow:  # fmt: skip
    """Keep the file (already stored by its hash) as the matter's, with a leaf in the
    evidence log naming its hash, so a later change to the file is evident."""
    record = {
        "type": "zhifang-attachment/1",
        "matter_id": matter_id,
        "kind": kind,
        "sha256": upload.sha256,
        "size": upload.size,
        "media_type": upload.media_type,
        "added_at": now.isoformat(timespec="seconds"),
        "added_by": actor,
    }
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    digest = hashlib.sha256(data).hexdigest()
    (leaf,) = log.append(session, [Entry(data=data, manifest_hash=digest)])
    row = AttachmentRow(
        id=str(uuid.uuid4()), matter_id=matter_id, kind=kind, filename=upload.filename,
        media_type=upload.media_type, size=upload.size, sha256=upload.sha256,
        leaf_index=leaf, added_by=actor, added_at=now,
    )  # fmt: skip
    session.add(row)
    audit.record(
        session,
        actor=actor,
        action="matter.attachment.add",
        target=f"matter:{matter_id}",
        reason=f"{upload.filename}（{upload.size} 字节，SHA-256 {upload.sha256[:16]}…）",
    )
    return row


def register(
    session: Session,
    form: IntakeForm,
    *,
    keys: tuple[bytes, bytes],
    scope: SiteScope,
    site: str,
    log: EvidenceLog,
    upload: Upload | None = None,
    config: WorkflowConfig | None = None,
    now: datetime | None = None,
) -> Registered:
    """Open the matter (commits). Raises ``IntakeError`` for what the clerk must
    correct, ``PossibleDuplicate`` when the person has a matter this may repeat and the
    clerk has not confirmed it is new."""
    now = now or utcnow()
    at = _check_time(form, now)
    scope.write([site], what="该院")
    officer = _officer(session, form.officer_id or scope.actor, site)
    try:
        found = find_person(session, form, hash_key=keys[0])
        if found.person is not None:
            dups = duplicates(session, found.person.id, form, now)
            if dups and not form.confirm_new:
                raise PossibleDuplicate(dups)
        if found.person is None:
            person, new = _new_person(session, form, keys), True
        else:
            person, new = session.get_one(Person, found.person.id), False
            _update_person(person, form)
        label = CHANNEL_ZH[form.channel]
        cmd = Command(Action.register, scope.actor, at, reason=f"{label}登记：{form.request[:150]}")
        m = wf.open_matter_uncommitted(
            session, command=cmd, officer_id=officer, summary=form.request,
            person_ids=[person.id], site=site, config=config, channel=form.channel,
            source_organ=form.source_organ or None, source_ref=form.source_ref or None,
        )  # fmt: skip
        _tag(session, m.id, form.category, scope.actor, now)
        if upload is not None:
            kind: Kind = "transfer_file" if form.channel == "transfer" else "letter_scan"
            attach(session, log, matter_id=m.id, kind=kind, upload=upload,
                   actor=scope.actor, now=now)  # fmt: skip
        audit.record(
            session,
            actor=scope.actor,
            action="matter.intake",
            target=f"matter:{m.id}",
            reason=f"{label}，{RECEIVED_ZH[form.channel]} {form.received_on.isoformat()}"
            + (f"，转来机关 {form.source_organ}" if form.source_organ else "")
            + (f"，来文号 {form.source_ref}" if form.source_ref else "")
            + ("，确认非重复件" if form.confirm_new else ""),
        )
        row = session.get_one(MatterRow, m.id)
        out = Registered(m.id, row.ref_no, person.id, new)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return out


def officers(session: Session, site: str) -> list[tuple[str, str]]:
    """Who may be a matter's 承办人 at ``site``: (username, name) of its active
    officers and leaders."""

    rows = session.execute(
        select(Account.username, Account.display_name)
        .where(
            Account.active.is_(True),
            Account.role.in_(("officer", "leader")),
            or_(Account.org == site, Account.org == "*"),
        )
        .order_by(Account.role.desc(), Account.username)
    ).all()
    return [(u, d or u) for u, d in rows]


def _officer(session: Session, username: str, site: str) -> str:
    if username not in {u for u, _ in officers(session, site)}:
        raise IntakeError("承办人须为本院在职的接访人员或领导", field="officer_id")
    return username


def _tag(session: Session, matter_id: str, category: str, actor: str, now: datetime) -> None:
    """The category is the clerk's, as a desk officer's 登记 tags a desk's matter."""

    session.add(
        MatterTagRow(
            matter_id=matter_id, category=category, organ=None, tagged_by=actor, tagged_at=now
        )
    )


class PossibleDuplicate(IntakeBaseError):
    """The person has open matters this petition may repeat."""

    def __init__(self, found: list[Duplicate]) -> None:
        super().__init__(f"该当事人已有 {len(found)} 件可能相同的在办事项")
        self.found = found


def attachments(session: Session, matter_id: str) -> list[AttachmentRow]:
    return list(
        session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.matter_id == matter_id)
            .order_by(AttachmentRow.added_at)
        )
    )
