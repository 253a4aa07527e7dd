"""Events → the dossier rows (person, reception, steps, rating).

Events of one reception may arrive in any order (a gap is filled by a resend later),
so every rule here is order-independent, and ordered by the box's own ``seq`` (never by
a time a box claims): the first rating (lowest seq) binds, the latest identification
(highest seq) names the person, the highest risk wins, counts add up.

A reception belongs to the box that first spoke about it (normally its
``reception.started``). An event about it from any other box is not applied: it is
``refused`` (the ingestor quarantines it as ``foreign_reception``) and an alert names
both devices. Runs inside the ingest batch's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from central.alerts.risk import raise_high_risk, raise_matter_risk
from central.alerts.service import raise_foreign_reception
from central.awareness.service import tags_from_steps
from central.db import from_ms, utcnow
from central.devices.models import Device
from central.dossier import crypto
from central.dossier.models import Person, Reception, ReceptionStep, new_id
from central.identity.service import IDENTITY_EVENT_TYPES, apply_identity_event
from central.labels import INGEST_EVENT_ZH
from central.publisher import CommandPublisher
from central.workflow import service as wf
from central.workflow.config import WorkflowConfig
from central.workflow.errors import WorkflowError
from central.workflow.models import MatterVisitRow
from central.workflow.risk import Level, RiskFacts, assess
from central.workflow.wire import project_steps
from protocol.envelope import Envelope
from protocol.messages import (
    Body,
    IdentityChecked,
    OfficerLockedOut,
    PersonRef,
    RatingGiven,
    ReceptionCancelled,
    ReceptionEnded,
    ReceptionStarted,
    RiskNote,
    StepCorrected,
    VisitorAdded,
    WorkflowStepDone,
)

from .desk_events import (
    apply_corrections,
    cancel_reception,
    note_cancelled,
    record_lockout,
    sync_parties,
)

RISK_ORDER = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True, slots=True)
class Refused:
    """An authentic event that was not applied, and why (for the quarantine)."""

    event_id: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class IdKeys:
    hash_key: bytes
    enc_key: bytes


log = logging.getLogger(__name__)


def _reception_id(body: Body) -> str:
    return body.reception_id  # type: ignore[attr-defined]


class Projector:
    """Applies one batch of accepted events. Create one per transaction."""

    def __init__(
        self,
        session: Session,
        *,
        keys: IdKeys,
        config: WorkflowConfig,
        publisher: CommandPublisher | None = None,
    ) -> None:
        self._s = session
        self._config = config  # the site's rules: desk steps start the same clocks as the API
        self._keys = keys
        self._publisher = publisher  # commands that events cause (the ingestor passes it)
        self._receptions: dict[str, Reception] = {}
        self._persons_by_hash: dict[str, Person] = {}
        self._steps: list[dict[str, Any]] = []
        self._persons_by_contact: dict[tuple[str, str], Person] = {}
        self._prefetched = False  # set once apply_all has loaded the batch's persons
        self._statements: dict[str, list[str]] = {}  # what was said, per reception touched
        self._matter_steps: list[tuple[WorkflowStepDone, str]] = []
        self.refused: list[Refused] = []  # filled by apply_all
        self._sites: dict[str, str | None] = {}  # device → registered site
        self._parties: set[str] = set()  # receptions whose matter's persons may have changed
        self._corrected: set[str] = set()  # step event ids a correction may now reach
        self._cancelled: set[str] = set()  # receptions cancelled in this batch
        self._rated: set[str] = set()  # receptions whose rating or risk changed

    def apply_all(self, events: Iterable[tuple[Envelope, Body]]) -> None:
        events = list(events)
        # consent and biometric deletions belong to a person, not to a reception
        for env, body in events:
            if body.TYPE in IDENTITY_EVENT_TYPES:
                apply_identity_event(self._s, env, body, publisher=self._publisher)
        events = [(e, b) for e, b in events if b.TYPE not in IDENTITY_EVENT_TYPES]
        for env, body in events:  # a desk's own event, about no reception
            if isinstance(body, OfficerLockedOut):
                record_lockout(self._s, env, body)
        events = [(e, b) for e, b in events if not isinstance(b, OfficerLockedOut)]
        ids = {_reception_id(body) for _, body in events}
        if ids:
            for r in self._s.scalars(select(Reception).where(Reception.id.in_(ids))):
                self._receptions[r.id] = r
        self._prefetch_persons(
            [b.person for _, b in events if isinstance(b, IdentityChecked | VisitorAdded)]
        )
        with self._s.no_autoflush:
            for env, body in events:
                if self._owned(env, body):
                    self.apply(env, body)
        self._s.flush()  # receptions first: steps refer to them
        if self._steps:
            # steps are insert-only: one executemany instead of an ORM object each
            self._s.execute(insert(ReceptionStep), self._steps)
        if self._matter_steps:
            items = [(b, rid, self._receptions[rid].person_id) for b, rid in self._matter_steps]
            project_steps(self._s, items, config=self._config)
        if self._parties or self._corrected or self._cancelled:
            if self._parties:
                sync_parties(self._s, self._parties, person_of=self._person)
            if self._corrected:
                apply_corrections(self._s, self._corrected)
            if self._cancelled or self._parties:
                self._s.flush()
                note_cancelled(self._s, self._cancelled | self._parties)
        self._assess_risk()  # after the matters: a high-risk alert reaches their people
        self._s.flush()
        self._follow_matters()

    def _follow_matters(self) -> None:
        """What the batch tells the matters of its receptions, as it arrives: a rating
        or risk changes the matter's stored risk (one value on every page, and its
        people alerted when high); a 登记's category tags the matter for the dashboard."""

        opened = {b.matter_ref for b, _ in self._matter_steps if b.step == "register"}
        if opened:
            tags_from_steps(self._s, matter_ids=[m for m in opened if m])
        if not self._rated:
            return
        mids = set(
            self._s.scalars(
                select(MatterVisitRow.matter_id).where(
                    MatterVisitRow.reception_id.in_(sorted(self._rated))
                )
            )
        )
        cfg, now = self._config, utcnow()
        for mid in sorted(mids):
            try:
                _, m = wf.load(self._s, mid)
            except WorkflowError as e:  # the event is kept; the next scan refreshes it
                log.warning("risk of matter %s not refreshed at ingest: %s", mid, e)
                continue
            wf.store_risk(self._s, m, cfg, now)
        raise_matter_risk(self._s, mids, now=now)

    def _assess_risk(self) -> None:
        """Risk rules over what this batch said; a high-risk reception still in progress
        alerts the on-duty leader at once (same transaction: no alert without its event)."""

        sites: dict[str, str] = {}
        for rid, said in self._statements.items():
            r = self._receptions[rid]
            stated = Level[r.risk_level] if r.risk_level in ("low", "medium", "high") else None
            a = assess(
                RiskFacts(
                    statements=tuple(said),
                    stated_level=stated,
                    stated_reason=r.risk_reason or "",
                    visitors=r.visitors or 1,
                    group_visit=r.kind == "group",
                )
            )
            if a.level > Level.low and a.level.value + 1 > RISK_ORDER.get(r.risk_level or "", 0):
                r.risk_level, r.risk_reason = a.level.wire, a.reason[:200]
                self._rated.add(r.id)
            if r.risk_level == "high" and r.ended_at is None:
                if r.device not in sites:
                    sites[r.device] = (
                        self._s.scalar(select(Device.site).where(Device.id == r.device)) or ""
                    )
                raise_high_risk(
                    self._s,
                    reception_id=r.id,
                    org=sites[r.device] or None,
                    reason=r.risk_reason or "",
                    now=utcnow(),
                )

    def _site(self, device: str) -> str | None:

        if device not in self._sites:
            self._sites[device] = self._s.scalar(select(Device.site).where(Device.id == device))
        return self._sites[device]

    def _owned(self, env: Envelope, body: Body) -> bool:
        """Is ``env`` from the box that owns the reception it is about? If not, it is
        refused, and the alert names both boxes."""
        rid = _reception_id(body)
        r = self._receptions.get(rid)
        if r is None or r.device == env.device:
            return True

        owner_site, intruder_site = self._site(r.device), self._site(env.device)
        self.refused.append(
            Refused(
                env.event_id,
                "foreign_reception",
                f"{env.device} ({intruder_site}) sent {body.TYPE} seq {env.seq} about "
                f"reception {rid}, which belongs to {r.device} ({owner_site}); not applied",
            )
        )
        raise_foreign_reception(
            self._s,
            reception_id=rid,
            owner=r.device,
            owner_site=owner_site,
            intruder=env.device,
            intruder_site=intruder_site,
            what=INGEST_EVENT_ZH.get(body.TYPE, body.TYPE),
            now=utcnow(),
        )
        return False

    def _reception(self, env: Envelope, reception_id: str) -> Reception:
        r = self._receptions.get(reception_id)
        if r is None:
            r = Reception(id=reception_id, device=env.device, events=0)
            self._s.add(r)
            self._receptions[reception_id] = r
        return r

    def apply(self, env: Envelope, body: Body) -> None:
        r = self._reception(env, _reception_id(body))
        r.events = (r.events or 0) + 1
        said = self._statements.setdefault(r.id, [])
        officer = getattr(body, "officer_id", None)
        if officer and not r.officer_id:
            r.officer_id = officer
        match body:
            case ReceptionStarted():
                r.officer_id = body.officer_id
                r.kind = body.kind
                r.visitors = body.visitors
                r.started_at = from_ms(body.started_at)
            case IdentityChecked():
                if (
                    body.subject == "petitioner"
                    and body.person is not None
                    and body.outcome in ("verified", "new_person")
                    and (r.person_seq is None or env.seq > r.person_seq)
                ):  # the box's latest identification names the person (a correction)
                    r.person_id, r.person_seq = self._person(body.person).id, env.seq
            case WorkflowStepDone():
                self._steps.append(
                    {
                        "reception_id": r.id,
                        "event_id": env.event_id,
                        "step": body.step,
                        "officer_id": body.officer_id,
                        "at": from_ms(body.at),
                        "matter_ref": body.matter_ref,
                        "fields": dict(body.fields),
                        "note": body.note,
                    }
                )
                self._risk(r, body.risk)
                said.extend([body.note, *body.fields.values()])
                self._corrected.add(env.event_id)
                if body.matter_ref:
                    self._matter_steps.append((body, r.id))
                    self._parties.add(r.id)
            case StepCorrected():
                said.extend(body.fields.values())
                self._corrected.add(body.corrects)
            case VisitorAdded():
                self._person(body.person)  # the person's dossier, now
                self._parties.add(r.id)
            case ReceptionCancelled():
                cancel_reception(self._s, r, body)
                self._cancelled.add(r.id)
            case RatingGiven():
                # one rating: the box's first, by its own seq; never the earliest time a
                # box claims (a time is whatever the sender writes)
                if r.rating_seq is None or env.seq < r.rating_seq:
                    r.rating, r.rated_at, r.rating_seq = body.rating, from_ms(body.at), env.seq
                    self._rated.add(r.id)
            case ReceptionEnded():
                r.ended_at = from_ms(body.ended_at)
                r.events_expected = body.events
                self._risk(r, body.risk)

    def _risk(self, r: Reception, risk: RiskNote | None) -> None:
        if risk is None:
            return
        if r.risk_level is None or RISK_ORDER[risk.level] > RISK_ORDER.get(r.risk_level, 0):
            r.risk_level, r.risk_reason = risk.level, risk.reason
            self._rated.add(r.id)

    def _prefetch_persons(self, refs: list[PersonRef | None]) -> None:
        """Two queries per batch instead of one per identity event."""
        hashes = {
            crypto.id_number_hash(self._keys.hash_key, r.id_number)
            for r in refs
            if r is not None and r.id_number
        }
        if hashes:
            for p in self._s.scalars(select(Person).where(Person.id_number_hash.in_(hashes))):
                self._persons_by_hash[p.id_number_hash or ""] = p
        phones = {r.phone for r in refs if r is not None and r.phone and not r.id_number}
        if phones:
            q = select(Person).where(Person.phone.in_(phones)).order_by(Person.created_at.desc())
            for p in self._s.scalars(q):  # oldest last, so the oldest wins
                self._persons_by_contact[(p.name, p.phone or "")] = p
        self._prefetched = True

    def _person(self, ref: PersonRef) -> Person:
        """One dossier per person: same ID number → same person; else name + phone."""
        if ref.id_number:
            h = crypto.id_number_hash(self._keys.hash_key, ref.id_number)
            p = self._persons_by_hash.get(h)
            if p is None and not self._prefetched:
                p = self._s.scalar(select(Person).where(Person.id_number_hash == h))
            if p is None:
                p = Person(
                    id=new_id(),
                    name=ref.name,
                    id_number_hash=h,
                    id_number_enc=crypto.encrypt_id_number(self._keys.enc_key, ref.id_number),
                )
                self._s.add(p)
            self._persons_by_hash[h] = p
        else:
            p = self._persons_by_contact.get((ref.name, ref.phone)) if ref.phone else None
            if p is None and ref.phone and not self._prefetched:
                p = self._s.scalar(
                    select(Person)
                    .where(Person.phone == ref.phone, Person.name == ref.name)
                    .order_by(Person.created_at)
                    .limit(1)
                )
            if p is None:
                p = Person(id=new_id(), name=ref.name)
                self._s.add(p)
        if ref.phone:
            self._persons_by_contact[(ref.name, ref.phone)] = p
        p.phone = p.phone or ref.phone
        # what the person states at the desk now is where they live now
        p.township = ref.township or p.township
        p.address = ref.address or p.address
        return p
