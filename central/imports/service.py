"""Plan and write an import: each row becomes a matter (with its person, steps, reply
and outcome), is recognised as imported before, or is refused with its reasons.

One code path for the dry run and the real run: rows are read and decided in chunks
(``CHUNK``); the real run then writes each chunk in one transaction with bulk inserts
(persons, matters, their transitions, people, category tags, import records, audit
rows) and commits it. A refused row writes nothing; a chunk that fails as a whole
(another import of the same rows at the same moment) is rolled back whole and its rows
reported, so no record is ever half-imported.

Matching: a row's person is the dossier with the same ID number (keyed hash), else (a
row without an ID number) the one with the same name and phone, else a new dossier;
rows of one file that name the same person share it. Existing dossiers are not
rewritten from old records (what a petitioner said years ago is not where they live
now). A matter already imported at the site (same own number, or the same row) is
left as it is: a re-run changes nothing.

Alerts: a matter whose outcome is on record (不予受理, 转办, a written reply, or 归档)
has no clock running (``workflow.clocks``), so the scanner raises nothing for it; only
a matter still open in the old register is due, as it truly is.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any, Literal

from sqlalchemy import Table as SATable
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.audit.models import AuditLog
from central.awareness.models import MatterTagRow
from central.db import upsert_insert, utcnow
from central.dossier import crypto
from central.dossier.matching import pinyin_key
from central.dossier.models import Person
from central.intake.service import officers
from central.workflow import refs
from central.workflow.clocks import ClockState, clocks
from central.workflow.config import WorkflowConfig
from central.workflow.models import MatterPersonRow, MatterRow, RefCounter, TransitionRow
from central.workflow.risk import RiskFacts, assess
from central.workflow.states import Matter
from protocol.petitions import CHANNEL_ZH

from . import records
from .columns import Mapping, locate
from .models import ImportBatchRow, ImportedRecordRow, ImportMappingRow
from .reader import Table

CHUNK = 2000
Outcome = Literal["create", "unchanged", "reject"]


@dataclass
class RowResult:
    row_no: int
    outcome: Outcome
    reasons: list[str] = field(default_factory=list)
    person: str = ""  # how the person was found, in words
    ref_no: str = ""
    matter_id: str = ""
    what: str = ""  # name, channel and category, for the report


@dataclass
class Report:
    batch_id: str
    site: str
    filename: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    new_people: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome == outcome for r in self.rows)

    @property
    def matched_people(self) -> int:
        """New matters filed into a dossier that was already there."""
        return sum(r.outcome == "create" and r.person.startswith("并入已有") for r in self.rows)

    @property
    def repeat_people(self) -> int:
        """New matters of someone an earlier row of the same file brought in."""
        return sum(r.outcome == "create" and r.person.startswith("并入本次") for r in self.rows)


@dataclass
class _Plan:
    result: RowResult
    record: records.Record
    matter: Matter
    person_id: str
    new_person: bool
    officer: str


def saved_mapping(session: Session, site: str) -> Mapping:
    row = session.get(ImportMappingRow, site)
    return Mapping.model_validate({"columns": row.columns}) if row else Mapping()


def save_mapping(session: Session, site: str, mapping: Mapping, *, actor: str) -> None:
    """Keep the site's mapping (the caller commits)."""
    row = session.get(ImportMappingRow, site)
    if row is None:
        row = ImportMappingRow(site=site)
        session.add(row)
    row.columns = dict(mapping.columns)
    row.updated_by, row.updated_at = actor, utcnow()
    audit.record(session, actor=actor, action="import.mapping", target=f"site:{site}",
                 reason="保存历史导入的列对应")  # fmt: skip


def _chunks(it: Iterator[tuple[int, list[str]]], n: int) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(it, n)):
        yield chunk


class _People:
    """Who each row's person is: found in the dossiers or made by an earlier row."""

    def __init__(self, hash_key: bytes) -> None:
        self.hash_key = hash_key
        self.by_hash: dict[str, str] = {}
        self.by_name_phone: dict[tuple[str, str], str] = {}
        self.how: dict[str, str] = {}  # person id → how it was found
        self.new: set[str] = set()

    def load(self, session: Session, recs: Iterable[records.Record]) -> None:
        """Look up this chunk's ID numbers and (for rows without one) names and phones."""
        hashes = {crypto.id_number_hash(self.hash_key, r.id_number) for r in recs if r.id_number}
        hashes -= set(self.by_hash)
        for h in _batched(sorted(hashes), 500):
            for pid, ph in session.execute(
                select(Person.id, Person.id_number_hash).where(Person.id_number_hash.in_(h))
            ):
                if ph is not None:
                    self.by_hash[ph] = pid
                self.how[pid] = "并入已有档案（身份证号一致）"
        phones = {r.phone for r in recs if r.phone and not r.id_number}
        for ps in _batched(sorted(phones), 500):
            for pid, name, phone in session.execute(
                select(Person.id, Person.name, Person.phone)
                .where(Person.phone.in_(ps), Person.merged_into.is_(None))
                .order_by(Person.created_at)
            ):
                if phone is not None and (name, phone) not in self.by_name_phone:
                    self.by_name_phone[(name, phone)] = pid
                    self.how.setdefault(pid, "并入已有档案（姓名、电话一致）")

    def find(self, r: records.Record) -> str | None:
        if r.id_number:
            return self.by_hash.get(crypto.id_number_hash(self.hash_key, r.id_number))
        return self.by_name_phone.get((r.name, r.phone)) if r.phone else None

    def add(self, r: records.Record, pid: str) -> None:
        self.new.add(pid)
        self.how[pid] = "并入本次导入新建的档案"
        if r.id_number:
            self.by_hash[crypto.id_number_hash(self.hash_key, r.id_number)] = pid
        if r.phone:
            self.by_name_phone.setdefault((r.name, r.phone), pid)


def _batched(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def run(
    session: Session,
    table: Table,
    *,
    mapping: Mapping,
    site: str,
    actor: str,
    keys: tuple[bytes, bytes],
    filename: str,
    sha256: str,
    dry_run: bool,
    config: WorkflowConfig | None = None,
    directory: refs.SiteDirectory | None = None,
    now: datetime | None = None,
    chunk: int = CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> Report:
    """Import ``table`` for ``site`` (or only report what would happen, ``dry_run``).
    The caller has checked that ``actor`` may write to ``site``. Commits."""
    now = now or utcnow()
    config = config or WorkflowConfig()
    directory = directory or config.sites
    where = locate(mapping, table.headers)  # a MappingError before anything is written
    today = now.astimezone(records.LOCAL).date()
    batch = ImportBatchRow(
        id=str(uuid.uuid4()), site=site, filename=filename[:200], sha256=sha256, actor=actor,
        dry_run=dry_run, started_at=now, rows=0, created=0, unchanged=0, rejected=0,
        new_people=0,
    )  # fmt: skip
    session.add(batch)
    session.commit()
    report = Report(batch.id, site, filename, dry_run)
    people = _People(keys[0])
    seen: dict[str, int] = {}  # key → first row of this file with it
    officers = _officers(session, site)
    for rows in _chunks(table.rows, chunk):
        results, plans = _decide(
            session, rows, where=where, site=site, actor=actor, today=today, people=people,
            seen=seen, officers=officers, batch_id=batch.id,
        )  # fmt: skip
        if not dry_run and plans:
            try:
                _write(session, plans, site=site, actor=actor, keys=keys, batch=batch,
                       filename=filename, now=now, config=config, directory=directory)  # fmt: skip
                session.commit()
            except IntegrityError:
                session.rollback()
                for p in plans:  # nothing of the chunk was written
                    p.result.outcome = "reject"
                    p.result.reasons = ["与同时进行的导入冲突，本批未写入：请重新导入"]
                    people.new.discard(p.person_id)
        report.rows += results
        if on_chunk:
            on_chunk(len(report.rows))
    report.new_people = len(people.new)
    _finish(session, batch, report, actor=actor, now=now)
    return report


def _officers(session: Session, site: str) -> dict[str, str]:
    """The site's officers and leaders by account and by name → account."""

    out: dict[str, str] = {}
    for username, name in officers(session, site):
        out.setdefault(name, username)
        out[username] = username
    return out


def _decide(
    session: Session, rows: list[tuple[int, list[str]]], *, where: dict[str, int], site: str,
    actor: str, today: date, people: _People, seen: dict[str, int], officers: dict[str, str],
    batch_id: str,
) -> tuple[list[RowResult], list[_Plan]]:  # fmt: skip
    results: list[RowResult] = []
    parsed: list[tuple[RowResult, records.Record]] = []
    for row_no, cells in rows:
        values = {k: cells[i] if i < len(cells) else "" for k, i in where.items()}
        res = RowResult(row_no, "create", what=_what(values))
        results.append(res)
        try:
            parsed.append((res, records.parse(values, today=today)))
        except records.RowRefused as e:
            res.outcome, res.reasons = "reject", e.reasons
    recs = [r for _, r in parsed]
    done = _imported(session, site, [r.key for r in recs])
    taken = _taken_refs(session, [r.own_no for r in recs if r.own_no])
    people.load(session, [r for r in recs if r.key not in done])  # a re-run looks up nobody
    plans: list[_Plan] = []
    for res, rec in parsed:
        key = rec.key
        if key in done:
            digest, ref_no = done[key]
            res.ref_no = ref_no or ""
            if digest == rec.digest:
                res.outcome, res.reasons = "unchanged", ["此前已导入，内容相同"]
            else:
                res.outcome = "reject"
                res.reasons = [f"文号 {rec.own_no} 此前已导入，本行内容与当时不同：未更改"
                               "（更正请在事项页办理）"]  # fmt: skip
            continue
        if key in seen:
            if rec.own_no:
                res.outcome, res.reasons = "reject", [f"文号与第 {seen[key]} 行重复"]
            else:
                res.outcome, res.reasons = "unchanged", [f"与第 {seen[key]} 行完全相同，只导入一次"]
            continue
        if rec.own_no and rec.own_no in taken:
            res.outcome, res.reasons = "reject", [f"文号 {rec.own_no} 已被系统中其他事项使用"]
            continue
        mid = str(uuid.uuid4())
        officer = officers.get(rec.officer, actor) if rec.officer else actor
        document = f"import:{site}:{key}"
        try:
            m = records.build(mid, records.steps(rec, actor=actor, document=document))
        except records.RowRefused as e:
            res.outcome, res.reasons = "reject", e.reasons
            continue
        seen[key] = res.row_no
        pid = people.find(rec)
        new = pid is None
        if pid is None:
            pid = str(uuid.uuid4())
            people.add(rec, pid)
            res.person = "新建档案"
        else:
            res.person = people.how.get(pid, "并入已有档案")
        if rec.officer and rec.officer not in officers:
            res.reasons.append(f"承办人「{rec.officer}」不是本院在职人员，记为导入人")
        if not rec.closed:
            res.reasons.append("尚未办结：导入后按法定期限计时")
        res.matter_id, res.ref_no = mid, rec.own_no
        plans.append(_Plan(res, rec, m, pid, new, officer))
    return results, plans


def _what(values: dict[str, str]) -> str:
    bits = [values.get(k, "").strip() for k in ("name", "channel", "category")]
    return " · ".join(b[:20] for b in bits if b)


def _imported(session: Session, site: str, keys: list[str]) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for ks in _batched(sorted(set(keys)), 500):
        for key, digest, ref_no in session.execute(
            select(ImportedRecordRow.key, ImportedRecordRow.digest, MatterRow.ref_no)
            .join(MatterRow, MatterRow.id == ImportedRecordRow.matter_id)
            .where(ImportedRecordRow.site == site, ImportedRecordRow.key.in_(ks))
        ):
            out[key] = (digest, ref_no)
    return out


def _taken_refs(session: Session, numbers: list[str]) -> set[str]:
    out: set[str] = set()
    for ns in _batched(sorted(set(numbers)), 500):
        out |= set(session.scalars(select(MatterRow.ref_no).where(MatterRow.ref_no.in_(ns))))
    return out


def _reserve(session: Session, site: str, year: int, n: int) -> range:
    """``n`` 文号 sequence numbers of ``site``'s ``year`` in one atomic upsert."""
    ins = upsert_insert(session)
    t: SATable = RefCounter.__table__  # type: ignore[assignment]
    stmt = (
        ins(t)
        .values(site=site, year=year, last=n)
        .on_conflict_do_update(index_elements=[t.c.site, t.c.year], set_={"last": t.c.last + n})
        .returning(t.c.last)
    )
    last = int(session.execute(stmt).scalar_one())
    return range(last - n + 1, last + 1)


def _numbers(
    session: Session, plans: list[_Plan], site: str, directory: refs.SiteDirectory | None
) -> None:
    """A 文号 for each planned matter without its own, skipping any already in use (an
    old register's numbers may share the site's format)."""
    names = (directory or refs.SiteDirectory()).names(site)  # the run passes config.sites
    own = {p.record.own_no for p in plans if p.record.own_no}
    by_year: dict[int, list[_Plan]] = defaultdict(list)
    for p in plans:
        if not p.record.own_no:
            by_year[p.record.received_on.year].append(p)
    for year, todo in by_year.items():
        while todo:
            wanted = [names.ref_no(year, s) for s in _reserve(session, site, year, len(todo))]
            used = own | _taken_refs(session, wanted)
            free = [n for n in wanted if n not in used]
            for p, n in zip(todo, free, strict=False):
                p.result.ref_no = n
            todo = todo[len(free) :]


def _write(
    session: Session, plans: list[_Plan], *, site: str, actor: str, keys: tuple[bytes, bytes],
    batch: ImportBatchRow, filename: str, now: datetime, config: WorkflowConfig,
    directory: refs.SiteDirectory | None,
) -> None:  # fmt: skip
    hash_key, enc_key = keys
    _numbers(session, plans, site, directory)
    persons: list[dict[str, Any]] = []
    made: set[str] = set()
    for p in plans:
        if p.new_person and p.person_id not in made:
            made.add(p.person_id)
            r = p.record
            persons.append({
                "id": p.person_id, "name": r.name, "phone": r.phone or None,
                "township": r.township or None, "address": r.address or None,
                "created_at": now, "name_pinyin": pinyin_key(r.name), "merged_into": None,
                "id_number_hash": crypto.id_number_hash(hash_key, r.id_number)
                if r.id_number else None,
                "id_number_enc": crypto.encrypt_id_number(enc_key, r.id_number)
                if r.id_number else None,
            })  # fmt: skip
    if persons:
        _insert(session, Person, persons)
    matters, steps, links, tags, marks, trail = [], [], [], [], [], []
    for p in plans:
        r, m, mid = p.record, p.matter, p.matter.id
        level, why = _risk(m, r, config, now)
        matters.append({
            "id": mid, "status": m.status.value, "summary": r.request, "person_id": p.person_id,
            "reception_id": None, "officer_id": p.officer, "leader_id": None,
            "registered_at": m.history[0].at, "updated_at": now, "version": len(m.history),
            "supervisions": 0, "paused": False, "reply_at": m.reply_at, "risk_level": level,
            "risk_reason": why, "site": site, "ref_no": p.result.ref_no,
            "query_code": refs.new_query_code(), "channel": r.channel,
            "source_organ": r.source_organ or None, "source_ref": r.source_ref or None,
        })  # fmt: skip
        for t in m.history:
            steps.append({
                "matter_id": mid, "seq": t.seq, "action": t.action.value,
                "from_status": t.from_status.value if t.from_status else None,
                "to_status": t.to_status.value, "actor": t.actor, "at": t.at,
                "reason": t.reason, "documents": list(t.documents), "details": dict(t.details),
                "recorded_at": now,
            })  # fmt: skip
        links.append({"matter_id": mid, "person_id": p.person_id, "role": "petitioner"})
        tags.append({"matter_id": mid, "category": r.category,
                     "organ": r.decision_note if r.decision == "转办" else None,
                     "tagged_by": actor, "tagged_at": now})  # fmt: skip
        marks.append({"site": site, "key": r.key, "digest": r.digest, "matter_id": mid,
                      "person_id": p.person_id, "batch_id": batch.id,
                      "row_no": p.result.row_no, "imported_at": now})  # fmt: skip
        trail.append({"at": now, "actor": actor[:200], "action": "matter.import",
                      "target": f"matter:{mid}", "client": None,
                      "reason": f"历史导入 {filename[:80]} 第 {p.result.row_no} 行，"
                                f"{CHANNEL_ZH[r.channel]}，{p.result.person} "
                                f"person:{p.person_id}"[:500]})  # fmt: skip

    _insert(session, MatterRow, matters)
    _insert(session, TransitionRow, steps)
    _insert(session, MatterPersonRow, links)
    _insert(session, MatterTagRow, tags)
    _insert(session, ImportedRecordRow, marks)
    _insert(session, AuditLog, trail)


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Core ``executemany`` on the table: no ORM bookkeeping per row (and no RETURNING
    of autoincrement keys nobody reads)."""
    table: SATable = model.__table__
    session.connection().execute(insert(table), rows)


def _risk(m: Matter, r: records.Record, config: WorkflowConfig, now: datetime) -> tuple[str, str]:
    """A closed matter's risk is history: nothing to supervise now. An open one is
    judged as the console would: what was said, and how overdue it is."""
    if r.closed:
        a = assess(RiskFacts(), config.risk)
    else:
        late = [-c.days_left for c in clocks(m, config.rules, config.calendar, now)
                if c.state is ClockState.overdue]  # fmt: skip
        a = assess(RiskFacts(statements=(r.request,), overdue_days=max(late, default=0)),
                   config.risk)  # fmt: skip
    return a.level.wire, a.reason[:200]


def _finish(
    session: Session, batch: ImportBatchRow, report: Report, *, actor: str, now: datetime
) -> None:
    batch = session.get_one(ImportBatchRow, batch.id)
    batch.rows = len(report.rows)
    batch.created = report.count("create")
    batch.unchanged = report.count("unchanged")
    batch.rejected = report.count("reject")
    batch.new_people = report.new_people
    batch.finished_at = utcnow()
    verb = "试导入" if report.dry_run else "导入"
    audit.record(
        session, actor=actor, action="import.dry_run" if report.dry_run else "import.run",
        target=f"site:{report.site}",
        reason=f"{verb} {report.filename[:100]}：{batch.rows} 行，"
        f"{'将' if report.dry_run else ''}新建 {batch.created}，已导入 {batch.unchanged}，"
        f"拒绝 {batch.rejected}，新建档案 {batch.new_people}（batch {batch.id}）",
    )  # fmt: skip
    session.commit()
